package dev.distill.local.testkit;

import dev.distill.local.launch.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

/**
 * A Kafka broker as an operator runs one: its own JVM ({@code kafka.Kafka server.properties}, KRaft, broker and
 * controller combined), started from the Kafka jars distill-local ships in {@code target/lib}.
 */
public final class StandaloneBroker implements AutoCloseable {
    private final Process process;
    private final int port;

    private StandaloneBroker(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static StandaloneBroker start(Path directory, Path libDir) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        int port = ServiceProcess.freePort();
        int controllerPort = ServiceProcess.freePort();
        Path properties = directory.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
                "advertised.listeners=PLAINTEXT://localhost:" + port,
                "controller.listener.names=CONTROLLER",
                "controller.quorum.bootstrap.servers=localhost:" + controllerPort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + directory.resolve("logs"),
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false") + "\n");
        String classPath = libDir.resolve("*").toString();
        Path log = directory.resolve("broker.log");
        Process format = java(classPath, log, "kafka.tools.StorageTool", "format", "-t", clusterId(), "-c",
                properties.toString(), "--standalone");
        if (!format.waitFor(2, TimeUnit.MINUTES) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's storage failed; see " + log);
        }
        StandaloneBroker broker = new StandaloneBroker(java(classPath, log, "kafka.Kafka", properties.toString()),
                port);
        broker.awaitReady(log);
        return broker;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    private void awaitReady(Path log) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited; see " + log);
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers(),
                    "default.api.timeout.ms", "2000", "request.timeout.ms", "2000"))) {
                admin.describeCluster().nodes().get();
                return;
            } catch (Exception e) {
                ServiceProcess.sleep(500);
            }
        }
        throw new IllegalStateException("the broker did not answer within 2 minutes; see " + log);
    }

    private static Process java(String classPath, Path log, String... mainAndArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-cp", classPath));
        command.addAll(List.of(mainAndArgs));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** A KRaft cluster id, as Kafka makes them (never starting with '-', which the tool would read as an option). */
    private static String clusterId() {
        return Uuid.randomUuid().toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
