package dev.distill.local.testkit;

import dev.distill.local.launch.ServiceProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server as an operator runs one: the system's {@code initdb} and {@code pg_ctl} (Debian's postgresql
 * package), as user {@code postgres} when the tests run as root (PostgreSQL refuses to run as root).
 */
public final class StandalonePostgres implements AutoCloseable {
    private final Path dataDir;
    private final Path pgCtl;
    private final boolean asPostgresUser;
    private final int port;

    private StandalonePostgres(Path dataDir, Path pgCtl, boolean asPostgresUser, int port) {
        this.dataDir = dataDir;
        this.pgCtl = pgCtl;
        this.asPostgresUser = asPostgresUser;
        this.port = port;
    }

    /** The directory holding {@code initdb} and {@code pg_ctl}: on the PATH, or Debian's versioned directory. */
    public static Optional<Path> binaries() {
        Optional<Path> onPath = ExternalTools.find("initdb").map(Path::getParent)
                .filter(dir -> Files.isExecutable(dir.resolve("pg_ctl")));
        if (onPath.isPresent()) {
            return onPath;
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(version -> version.resolve("bin")).filter(dir -> Files.isExecutable(dir.resolve(
                    "initdb"))).max(Path::compareTo);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Initialises a cluster under {@code directory}, starts it on a free port, and creates {@code database} owned by
     * {@code user} with {@code password}.
     */
    public static StandalonePostgres start(Path bin, Path directory, String database, String user,
            String password)
            throws IOException, InterruptedException, SQLException {
        boolean root = "root".equals(System.getProperty("user.name"));
        Files.createDirectories(directory);
        Path dataDir = directory.resolve("data");
        Path log = directory.resolve("postgres.log");
        Files.writeString(log, "");
        if (root) {
            UserPrincipal postgres = directory.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName("postgres");
            Files.setOwner(directory, postgres);
            Files.setOwner(log, postgres);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        }
        int port = ServiceProcess.freePort();
        run(root, bin.resolve("initdb").toString(), "-D", dataDir.toString(), "-U", "postgres", "--auth=trust",
                "-E", "UTF8");
        StandalonePostgres server = new StandalonePostgres(dataDir, bin.resolve("pg_ctl"), root, port);
        run(root, server.pgCtl.toString(), "-D", dataDir.toString(), "-l", log.toString(), "-w", "-o",
                "-p " + port + " -k " + directory + " -c listen_addresses=localhost", "start");
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://localhost:" + port
                + "/postgres", "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute("create user " + user + " password '" + password + "'");
            statement.execute("create database " + database + " owner " + user);
        }
        return server;
    }

    public int port() {
        return port;
    }

    private static void run(boolean asPostgresUser, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", full) + " failed:\n" + output);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(asPostgresUser, pgCtl.toString(), "-D", dataDir.toString(), "-m", "fast", "-w", "stop");
    }
}
