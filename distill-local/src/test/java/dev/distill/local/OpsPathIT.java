package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Directories;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.wire.Topics;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.testkit.ExternalTools;
import dev.distill.local.testkit.StandaloneBroker;
import dev.distill.local.testkit.StandalonePostgres;
import java.io.IOException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * The "against your own Kafka and PostgreSQL" commands of {@code docs/operations.md}, run as written (the block after
 * the {@code ops-path} marker, with this machine's hosts, paths and key in place of the document's placeholders)
 * against a standalone broker and a standalone PostgreSQL: the topics get the partitions and retention of the deploy
 * files, the three services come up, and a 300-example stream is labelled, trained and scored. Also: a service
 * without an API key stops at start-up naming {@code DISTILL_API_KEY}.
 */
class OpsPathIT {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path WORK = PROJECT.resolve("distill-local/target/ops-path");
    private static final Pattern OPS_BLOCK = Pattern.compile("<!-- ops-path[^>]*-->\\s*```bash\\n(.*?)```",
            Pattern.DOTALL);
    private static final int EXAMPLES = 300;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theOpsCommandsBringUpThePipelineAndTrainAStream() throws Exception {
        Path postgresBin = StandalonePostgres.binaries().orElse(null);
        if (postgresBin == null) {
            ExternalTools.missing("PostgreSQL (initdb, pg_ctl)");
            return;
        }
        Directories.delete(WORK);
        Files.createDirectories(WORK);
        Path postgresDir = Files.createTempDirectory("distill-ops-postgres");
        String apiKey = UUID.randomUUID().toString();
        try (StandaloneBroker broker = StandaloneBroker.start(WORK.resolve("broker"),
                PROJECT.resolve("distill-local/target/lib"));
                StandalonePostgres database = StandalonePostgres.start(postgresBin, postgresDir, "distill", "distill",
                        "secret")) {
            Map<String, String> placeholders = new LinkedHashMap<>();
            placeholders.put("broker:9092", broker.bootstrapServers());
            placeholders.put("db:5432", "localhost:" + database.port());
            placeholders.put("/models/teacher.pt",
                    PROJECT.resolve("distill-core/src/test/resources/torchscript/tiny-teacher.pt").toString());
            placeholders.put("/shared/checkpoints", WORK.resolve("checkpoints").toString());
            placeholders.put("/data/dev.tsv", PROJECT.resolve("data/sst2/dev.tsv").toString());
            placeholders.put("/var/cache/djl", ServiceProcess.djlCache(PROJECT).toString());
            placeholders.put("change-me", apiKey);
            String script = opsScript(placeholders);
            Path log = WORK.resolve("ops.log");
            Process shell = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script + "\nwait\n")
                    .directory(PROJECT.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            try {
                for (int port : List.of(8081, 8082, 8083)) {
                    awaitReady(port, shell, log);
                }
                assertTopicsCreatedAsSpecified(broker.bootstrapServers());
                String authorization = "Basic " + Base64.getEncoder().encodeToString(("distill:" + apiKey)
                        .getBytes(StandardCharsets.UTF_8));
                List<LabeledRow> rows = LabeledTsv.readRows(PROJECT.resolve("data/sst2/train.tsv"), EXAMPLES);
                for (int start = 0; start < rows.size(); start += 100) {
                    post("http://localhost:8081/examples", authorization, json(rows.subList(start,
                            Math.min(rows.size(), start + 100)), start));
                }
                JsonNode run = awaitTrained(EXAMPLES, log);
                JsonNode leaderboard = awaitScored(log);
                assertExports(WORK.resolve("checkpoints"));
                List<String> errors = Files.readAllLines(log).stream()
                        .filter(line -> line.contains(" ERROR [") || line.contains("duplicate key")).toList();
                assertTrue(errors.isEmpty(), "the services logged errors:\n" + String.join("\n", errors));
                System.out.printf("ops path: %d examples trained in run %s (%d steps); %d checkpoint(s) scored, best "
                                + "accuracy %.4f%n", run.get("examplesSeen").asLong(), run.get("runId").asText(),
                        run.get("steps").asLong(), leaderboard.size(), leaderboard.get(0).get("accuracy").asDouble());
            } finally {
                stop(shell);
            }
        } finally {
            Directories.delete(postgresDir);
        }
    }

    @Test
    void aServiceWithoutAnApiKeyStopsAndNamesTheVariable() throws IOException, InterruptedException {
        Path jar = PROJECT.resolve("label-service/target/quarkus-app/quarkus-run.jar");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Dai.djl.offline=true", "-Dkafka.bootstrap.servers=localhost:1",
                "-Dquarkus.http.port=" + ServiceProcess.freePort(), "-jar", jar.toString())
                .directory(PROJECT.toFile()).redirectErrorStream(true);
        builder.environment().remove("DISTILL_API_KEY");
        builder.environment().put("OPT_OUT_TRACKING", "true");
        builder.environment().put("DJL_CACHE_DIR", ServiceProcess.djlCache(PROJECT).toString());
        Process service = builder.start();
        String output = new String(service.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(service.waitFor(2, TimeUnit.MINUTES), "label-service did not stop");
        assertTrue(service.exitValue() != 0, "exit code");
        assertTrue(output.contains("no API key: set the environment variable DISTILL_API_KEY"), output);
    }

    /** {@code bin/export-student} turns the newest checkpoint into a Hugging Face directory and an ONNX model. */
    private static void assertExports(Path checkpoints) throws IOException, InterruptedException {
        Path checkpoint;
        try (var entries = Files.list(checkpoints)) {
            checkpoint = entries.filter(path -> path.getFileName().toString().startsWith("step-")).sorted()
                    .reduce((first, second) -> second).orElseThrow();
        }
        Path exported = WORK.resolve("exported");
        Process export = new ProcessBuilder(PROJECT.resolve("bin/export-student").toString(), checkpoint.toString(),
                "--huggingface", exported.resolve("huggingface").toString(),
                "--onnx", exported.resolve("student.onnx").toString())
                .directory(PROJECT.toFile()).redirectErrorStream(true).start();
        String output = new String(export.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(export.waitFor(2, TimeUnit.MINUTES) && export.exitValue() == 0, output);
        for (String file : List.of("huggingface/config.json", "huggingface/model.safetensors",
                "huggingface/tokenizer.json", "huggingface/vocab.txt", "student.onnx")) {
            assertTrue(Files.size(exported.resolve(file)) > 0, file + " exported");
        }
    }

    /** The ops block, with the build line left out (the reactor has built the jars) and placeholders replaced. */
    private static String opsScript(Map<String, String> placeholders) throws IOException {
        Matcher block = OPS_BLOCK.matcher(Files.readString(PROJECT.resolve("docs/operations.md")));
        assertTrue(block.find(), "docs/operations.md has an ops-path block");
        String script = block.group(1).lines().filter(line -> !line.startsWith("mvn "))
                .collect(Collectors.joining("\n"));
        for (Map.Entry<String, String> placeholder : placeholders.entrySet()) {
            assertTrue(script.contains(placeholder.getKey()), "the ops block uses " + placeholder.getKey());
            script = script.replace(placeholder.getKey(), placeholder.getValue());
        }
        return script;
    }

    private static void assertTopicsCreatedAsSpecified(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            assertEquals(Topics.all().size(), admin.listTopics().names().get().stream()
                    .filter(Topics.all()::contains).count(), "bin/create-topics created every topic");
            ConfigResource softLabels = new ConfigResource(ConfigResource.Type.TOPIC, Topics.SOFT_LABELS);
            Config config = admin.describeConfigs(List.of(softLabels)).all().get().get(softLabels);
            assertEquals(String.valueOf(Topics.SOFT_LABEL_RETENTION.toMillis()), config.get("retention.ms").value(),
                    "the soft-label log's replay window");
            assertEquals(String.valueOf(Topics.SOFT_LABEL_RETENTION_BYTES_PER_PARTITION),
                    config.get("retention.bytes").value(), "the soft-label log's size bound per partition");
            assertEquals(8, admin.describeTopics(List.of(Topics.EXAMPLES)).allTopicNames().get()
                    .get(Topics.EXAMPLES).partitions().size(), "partitions of " + Topics.EXAMPLES);
        }
    }

    private static String json(List<LabeledRow> rows, int firstIndex) throws IOException {
        List<Map<String, Object>> examples = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            examples.add(Map.of("id", "ops-" + (firstIndex + i), "text", rows.get(i).text(),
                    "label", rows.get(i).label()));
        }
        return new ObjectMapper().writeValueAsString(examples);
    }

    private static void post(String url, String authorization, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response.body());
    }

    private static void awaitReady(int port, Process shell, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (System.nanoTime() < deadline) {
            assertTrue(shell.isAlive(), "the ops commands stopped:\n" + Files.readString(log));
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the service on port " + port + " was not ready in 4 minutes:\n"
                + Files.readString(log));
    }

    private static JsonNode awaitTrained(int examples, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        JsonNode run = null;
        while (System.nanoTime() < deadline) {
            run = ServiceHttp.getJson("http://localhost:8082/runs/current");
            if (run.get("examplesSeen").asLong() >= examples) {
                return run;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("trained " + run + " of " + examples + " in 5 minutes:\n" + Files.readString(log));
    }

    private static JsonNode awaitScored(Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode leaderboard = ServiceHttp.getJson("http://localhost:8083/leaderboard");
            if (!leaderboard.isEmpty()) {
                return leaderboard;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("no checkpoint was scored in 5 minutes:\n" + Files.readString(log));
    }

    /** Stops the services the script started (SIGTERM, so train-service checkpoints), then the shell. */
    private static void stop(Process shell) throws InterruptedException {
        List<ProcessHandle> children = shell.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        for (ProcessHandle child : children) {
            child.onExit().completeOnTimeout(null, 30, TimeUnit.SECONDS).join();
            child.destroyForcibly();
        }
        shell.destroy();
        shell.waitFor(10, TimeUnit.SECONDS);
        assertFalse(shell.isAlive(), "the ops shell stopped");
    }
}
