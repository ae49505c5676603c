package dev.distill.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A real PostgreSQL server started from binaries shipped in a jar: no install, no Docker. */
public final class EmbeddedDatabase implements AutoCloseable {
    /** Database, user and (unused, trust authentication) password of the embedded server. */
    public static final String DATABASE = "postgres";
    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    private final Path directory;
    private EmbeddedPostgres postgres;
    private int stoppedPort;

    private EmbeddedDatabase(Path directory, EmbeddedPostgres postgres) {
        this.directory = directory;
        this.postgres = postgres;
    }

    /** Starts a fresh server whose data lives under {@code directory}. */
    public static EmbeddedDatabase start(Path directory) {
        deleteRecursively(directory.resolve("data"));
        return new EmbeddedDatabase(directory, launch(directory, 0));
    }

    /**
     * Stops the server and starts it again on the same port with the same data, the way a database restart looks
     * to its clients.
     */
    public void restart() {
        stop();
        startAgain();
    }

    /** Stops the server, an outage to its clients until {@link #startAgain}. */
    public void stop() {
        stoppedPort = port();
        close();
    }

    /** Starts a stopped server again on its port, with its data. */
    public void startAgain() {
        postgres = launch(directory, stoppedPort);
    }

    /** Starts a server on the data under {@code directory}, creating it if there is none; it is kept on stop. */
    private static EmbeddedPostgres launch(Path directory, int port) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(directory.resolve("work").toFile())
                    .setDataDirectory(directory.resolve("data"))
                    .setCleanDataDirectory(false);
            if (port > 0) {
                builder.setPort(port);
            }
            return builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("embedded PostgreSQL failed to start in " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(each -> each.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException("cannot clear " + path + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    /** URL form the Vert.x reactive PostgreSQL client (Quarkus {@code quarkus.datasource.reactive.url}) takes. */
    public String reactiveUrl() {
        return "postgresql://localhost:" + port() + "/" + DATABASE;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new IllegalStateException("embedded PostgreSQL did not stop cleanly: " + e.getMessage(), e);
        }
    }
}
