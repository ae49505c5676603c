package dev.distill.local.launch;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One packaged Quarkus service running as a child JVM. It logs to {@code <service>.log}, rotated at
 * {@link #LOG_FILE_SIZE} with {@link #LOG_BACKUPS} older files kept, so that a run of weeks keeps a bounded log;
 * what the JVM itself prints (a crash before logging starts) goes to {@code <service>.out}.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
    /** Size at which a service's log is rotated. */
    public static final String LOG_FILE_SIZE = "10M";
    /** Rotated logs kept per service: with the live one, at most 5 x 10 MB. */
    public static final int LOG_BACKUPS = 4;
    /**
     * The API key of every service started here ({@code distill.api-key}): {@code DISTILL_API_KEY} if set, else a
     * random key for this run.
     */
    public static final String API_KEY = Optional.ofNullable(System.getenv("DISTILL_API_KEY"))
            .orElse(UUID.randomUUID().toString());
    /** {@code Authorization} header value for mutating requests to services started here. */
    public static final String AUTHORIZATION = "Basic " + Base64.getEncoder()
            .encodeToString(("distill:" + API_KEY).getBytes(StandardCharsets.UTF_8));

    private final String name;
    private final List<String> command;
    private final Path projectDir;
    private final Map<String, String> environment;
    private final Process process;
    private final Path log;
    private final Path output;
    private final int port;

    private ServiceProcess(String name, List<String> command, Path projectDir, Map<String, String> environment,
            Path log, int port) throws IOException {
        this.name = name;
        this.command = command;
        this.projectDir = projectDir;
        this.environment = environment;
        this.log = log;
        this.output = outputOf(log);
        this.port = port;
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(projectDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        builder.environment().putAll(environment);
        this.process = builder.start();
    }

    /**
     * Starts {@code <projectDir>/<service>/target/quarkus-app/quarkus-run.jar} with the settings on a free port,
     * its log in {@code logDir}, and waits until its readiness check passes.
     */
    public static ServiceProcess start(ServiceSettings<?> settings, Path projectDir, Path logDir) {
        Map<String, String> environment = new TreeMap<>(settings.environment());
        environment.put("OPT_OUT_TRACKING", "true");
        environment.put("DJL_CACHE_DIR", djlCache(projectDir).toString());
        return start(settings.service(), projectDir, freePort(), settings.properties(), logDir, environment);
    }

    private static ServiceProcess start(String name, Path projectDir, int port, Map<String, String> properties,
            Path logDir, Map<String, String> environment) {
        Path jar = projectDir.resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + " is not built: " + jar + " is missing (run mvn package first)");
        }
        // A fixed heap, touched at start: a heap the JVM sizes for itself grows for tens of thousands of examples
        // (measured: 61 -> 468 MB resident in train-service), which a service's memory curve should not show.
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch",
                "-Dai.djl.offline=true", "-Dquarkus.http.port=" + port));
        command.add("-Ddistill.api-key=" + API_KEY);
        Path log = logDir.toAbsolutePath().resolve(name + ".log");
        // a restart appends to the same file instead of rotating it: one log per service and run
        for (String setting : List.of("quarkus.log.console.enabled=false", "quarkus.log.file.enabled=true",
                "quarkus.log.file.path=" + log, "quarkus.log.file.rotation.max-file-size=" + LOG_FILE_SIZE,
                "quarkus.log.file.rotation.max-backup-index=" + LOG_BACKUPS,
                "quarkus.log.file.rotation.rotate-on-boot=false")) {
            command.add("-D" + setting);
        }
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toString());
        try {
            Files.createDirectories(logDir);
            try (Stream<Path> earlier = Files.list(logDir)) {
                for (Path file : earlier.filter(file -> file.getFileName().toString().startsWith(name + ".")).toList()) {
                    Files.delete(file);
                }
            }
            ServiceProcess service = new ServiceProcess(name, List.copyOf(command), projectDir, environment, log,
                    port);
            service.awaitReady();
            return service;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    /** Starts the service again with the same settings and port, its output appended to the same log. */
    public ServiceProcess restart() {
        try {
            ServiceProcess service = new ServiceProcess(name, command, projectDir, environment, log, port);
            service.awaitReady();
            return service;
        } catch (IOException e) {
            throw new IllegalStateException("cannot restart " + name + ": " + e.getMessage(), e);
        }
    }

    /** Resident set size of the service's JVM in bytes (Linux {@code /proc}), or -1 when it cannot be read. */
    public long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or not Linux
        }
        return -1;
    }

    /** Kills the service with SIGKILL: no shutdown hook, no final checkpoint, open transactions left open. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " did not die within 30 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + name, e);
        }
    }

    public String name() {
        return name;
    }

    public String url() {
        return "http://localhost:" + port;
    }

    public Path log() {
        return log;
    }

    private void awaitReady() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue()
                        + " during start-up; last lines of " + log + ":\n" + tail(40));
            }
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            sleep(500);
        }
        close();
        throw new IllegalStateException(name + " was not ready within " + READY_TIMEOUT.toSeconds()
                + " s; last lines of " + log + ":\n" + tail(40));
    }

    /** The last lines of the service's log, and of what the JVM printed if it printed anything, for errors. */
    public String tail(int lines) {
        String logged = tail(log, lines);
        String printed = Files.exists(output) ? tail(output, lines) : "";
        return printed.isBlank() ? logged : logged + "\n(" + output.getFileName() + "):\n" + printed;
    }

    private static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no log yet)";
            }
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Where the JVM's own output of the service logging to {@code log} goes. */
    private static Path outputOf(Path log) {
        String name = log.getFileName().toString();
        return log.resolveSibling(name.substring(0, name.length() - ".log".length()) + ".out");
    }

    /** Asks the service to stop (SIGTERM, so it writes its final checkpoint), then forces it after 30 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** DJL's cache folder for the services: {@code DJL_CACHE_DIR}, or the project's {@code target/djl-cache}. */
    public static Path djlCache(Path projectDir) {
        String configured = System.getenv("DJL_CACHE_DIR");
        return configured != null ? Path.of(configured) : projectDir.toAbsolutePath().resolve("target/djl-cache");
    }

    /** A local TCP port nobody listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free local port: " + e.getMessage(), e);
        }
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
