package dev.distill.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.metrics.ClassificationMetrics;
import dev.distill.core.metrics.HeldOutEvaluation;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedDatabase;
import dev.distill.embedded.EmbeddedStack;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The whole pipeline on one machine: embedded Kafka and PostgreSQL, a teacher, and the three packaged services as
 * child processes. Used by the README's run command and by the end-to-end tests.
 */
public final class LocalRun implements AutoCloseable {
    /** Examples per ingest request. */
    private static final int INGEST_CHUNK = 500;
    private static final int PARTITIONS = 2;
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);

    private final LocalRunOptions options;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final List<ServiceProcess> services = new ArrayList<>();
    private EmbeddedStack stack;
    private Path teacher;

    private LocalRun(LocalRunOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Starts broker, database, teacher and services; on failure everything started so far is stopped. */
    public static LocalRun start(LocalRunOptions options, PrintStream out) {
        LocalRun run = new LocalRun(options, out);
        try {
            run.startAll();
            return run;
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
    }

    private void startAll() {
        Path work = options.workDir().toAbsolutePath();
        deleteRecursively(work);
        out.println("[1/5] starting embedded Kafka (KRaft) and PostgreSQL in " + work);
        stack = EmbeddedStack.start(work.resolve("stack"), Topics.all(), PARTITIONS);
        out.println("      Kafka " + stack.kafka().bootstrapServers() + ", PostgreSQL " + stack.database().jdbcUrl());

        if (options.teacherCheckpoint() != null) {
            teacher = options.teacherCheckpoint().toAbsolutePath();
            out.println("[2/5] teacher: " + teacher);
        } else {
            LabelSet labels = LabelSet.of(options.trainFile());
            ModelConfig size = options.teacher().withLabels(labels.names());
            out.printf("[2/5] training a teacher %s on %d labelled examples, %d epoch(s)%n", size,
                    options.teacherExamples(), options.teacherEpochs());
            teacher = OfflineTraining.train("teacher", OfflineTraining.goldOnly(
                            LabeledTsv.read(options.trainFile(), labels, options.teacherExamples())),
                    size, TrainingSettings.constantRate(1f, 1f, 1e-3f, options.seed()),
                    options.teacherEpochs(), tokenizer(), work.resolve("teacher"), out);
        }

        out.println("[3/5] starting label-service, train-service and eval-service (logs in " + logDir() + ")");
        String kafka = stack.kafka().bootstrapServers();
        Map<String, String> database = Map.of(
                "quarkus.datasource.reactive.url", stack.database().reactiveUrl(),
                "quarkus.datasource.username", EmbeddedDatabase.USER,
                "quarkus.datasource.password", EmbeddedDatabase.PASSWORD);

        Map<String, String> label = new HashMap<>(Map.of(
                "kafka.bootstrap.servers", kafka,
                "label.teacher", teacher.toString(),
                "label.tokenizer", tokenizer().toString()));
        Map<String, String> train = new HashMap<>(database);
        train.putAll(Map.of(
                "kafka.bootstrap.servers", kafka,
                "train.tokenizer", tokenizer().toString(),
                "train.checkpoint-dir", work.resolve("checkpoints").toString(),
                "train.checkpoint-every-steps", String.valueOf(options.checkpointEverySteps()),
                "train.seed", String.valueOf(options.seed()),
                "train.warmup-steps", String.valueOf(options.warmupSteps()),
                "train.student.hidden-size", String.valueOf(options.student().hiddenSize()),
                "train.student.layers", String.valueOf(options.student().layers()),
                "train.student.heads", String.valueOf(options.student().heads()),
                "train.student.max-length", String.valueOf(options.student().maxLength())));
        train.put("train.checkpoint-when-idle", "PT3S");
        if (options.studentInitFrom() != null) {
            train.put("train.init-from", options.studentInitFrom().equals(LocalRunOptions.TEACHER)
                    ? teacher.toString() : options.studentInitFrom());
        }
        Map<String, String> eval = new HashMap<>(database);
        eval.putAll(Map.of(
                "kafka.bootstrap.servers", kafka,
                "eval.eval-file", options.evalFile().toAbsolutePath().toString(),
                "eval.eval-limit", String.valueOf(options.evalLimit()),
                "eval.tokenizer", tokenizer().toString(),
                "eval.teacher", teacher.toString(),
                "eval.checkpoint-dir", work.resolve("checkpoints").toString()));
        startService("label-service", label);
        startService("train-service", train);
        startService("eval-service", eval);
        out.println("      mutating requests need HTTP Basic user distill, password (API key) "
                + ServiceProcess.API_KEY);
    }

    private void startService(String name, Map<String, String> properties) {
        Map<String, String> settings = new HashMap<>(properties);
        if (options.otlpEndpoint() != null) {
            settings.putAll(Map.of(
                    "quarkus.otel.sdk.disabled", "false",
                    "quarkus.otel.exporter.otlp.endpoint", options.otlpEndpoint(),
                    "quarkus.otel.exporter.otlp.protocol", "http/protobuf",
                    "quarkus.otel.bsp.schedule.delay", "1s"));
        }
        ServiceProcess service = ServiceProcess.start(name, options.projectDir(), ServiceProcess.freePort(), settings,
                logDir(), ServiceProcess.djlCache(options.projectDir()));
        services.add(service);
        out.println("      " + name + " ready at " + service.url());
    }

    public String labelUrl() {
        return service("label-service").url();
    }

    public String trainUrl() {
        return service("train-service").url();
    }

    public String evalUrl() {
        return service("eval-service").url();
    }

    public Path teacher() {
        return teacher;
    }

    public String kafkaBootstrapServers() {
        return stack.kafka().bootstrapServers();
    }

    public Path checkpointDir() {
        return options.workDir().toAbsolutePath().resolve("checkpoints");
    }

    /**
     * Posts the rows to label-service as labelled examples with ids {@code ex-<n>}, their labels as written (class
     * names or indices of the teacher's classes); returns how many.
     */
    public int stream(List<LabeledRow> rows) {
        out.printf("[4/5] streaming %d examples through label-service -> train-service%n", rows.size());
        for (int start = 0; start < rows.size(); start += INGEST_CHUNK) {
            List<Map<String, Object>> chunk = new ArrayList<>();
            for (int i = start; i < Math.min(rows.size(), start + INGEST_CHUNK); i++) {
                chunk.add(Map.of("id", "ex-" + i, "text", rows.get(i).text(), "label", rows.get(i).label()));
            }
            HttpResponse<String> response = post(labelUrl() + "/examples", chunk);
            if (response.statusCode() != 202) {
                throw new IllegalStateException("label-service refused examples " + start + "..: HTTP "
                        + response.statusCode() + " " + response.body());
            }
        }
        return rows.size();
    }

    /** Waits until the newest run has trained on {@code examples} examples; prints progress. */
    public JsonNode awaitTrained(long examples, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastPrinted = -1;
        long lastPrintNanos = 0;
        while (true) {
            JsonNode runs = ServiceProcess.getJson(trainUrl() + "/runs");
            JsonNode run = runs.size() > 0 ? runs.get(0) : null;
            long seen = run == null ? 0 : run.get("examplesSeen").asLong();
            boolean quietLongEnough = System.nanoTime() - lastPrintNanos >= PROGRESS_INTERVAL.toNanos();
            if (seen != lastPrinted && (quietLongEnough || seen >= examples)) {
                out.printf("      trained on %,d / %,d examples (%.0f%%)%s%n", seen, examples,
                        100.0 * seen / examples, run == null ? "" : String.format(", loss %.4f",
                                run.get("lastLoss").asDouble()));
                lastPrinted = seen;
                lastPrintNanos = System.nanoTime();
            }
            if (seen >= examples) {
                return run;
            }
            failIfPast(deadline, "train-service trained on " + seen + " of " + examples + " examples");
            ServiceProcess.sleep(2000);
        }
    }

    /** Waits until a checkpoint covering {@code examples} examples of the run is on the leaderboard. */
    public JsonNode awaitEvaluated(String runId, long examples, Duration timeout) {
        out.println("[5/5] waiting for the final checkpoint to be evaluated");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (JsonNode checkpoint : ServiceProcess.getJson(trainUrl() + "/runs/" + runId + "/checkpoints")) {
                if (checkpoint.get("examplesSeen").asLong() >= examples) {
                    for (JsonNode score : leaderboard()) {
                        if (score.get("checkpointId").asText().equals(checkpoint.get("id").asText())) {
                            return score;
                        }
                    }
                }
            }
            failIfPast(deadline, "no evaluated checkpoint covers all " + examples + " examples");
            ServiceProcess.sleep(1000);
        }
    }

    public JsonNode leaderboard() {
        return ServiceProcess.getJson(evalUrl() + "/leaderboard");
    }

    /** The teacher's score on the same held-out rows eval-service uses. */
    public ClassificationMetrics scoreTeacher() {
        List<LabeledRow> heldOut = LabeledTsv.readRows(options.evalFile(), options.evalLimit());
        try (TextClassifier classifier = TextClassifier.load(teacher, tokenizer(), Devices.preferred())) {
            return HeldOutEvaluation.score(classifier, heldOut, 64);
        }
    }

    @Override
    public void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        services.clear();
        if (stack != null) {
            stack.close();
            stack = null;
        }
    }

    private ServiceProcess service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " is not running"));
    }

    private void failIfPast(long deadline, String state) {
        if (System.nanoTime() > deadline) {
            StringBuilder logs = new StringBuilder();
            for (ServiceProcess service : services) {
                logs.append("\n--- ").append(service.log()).append('\n').append(service.tail(25));
            }
            throw new IllegalStateException("timed out: " + state + logs);
        }
    }

    private HttpResponse<String> post(String url, Object body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .header("Authorization", ServiceProcess.AUTHORIZATION)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)))
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private Path tokenizer() {
        return options.tokenizer().toAbsolutePath();
    }

    private Path logDir() {
        return options.workDir().toAbsolutePath().resolve("logs");
    }

    /** Removes a folder and everything in it; nothing happens if it does not exist. */
    static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + directory, e);
        }
    }
}
