package dev.distill.local.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.evaluation.Latency;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.StudentSizing;
import dev.distill.core.pretrained.PretrainedEncoder;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.OfflineTraining;
import dev.distill.local.Project;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code POST /predict} under load: eval-service serving a promoted student, 1, 8 and 32 clients each sending one
 * SST-2 dev sentence per request back to back for a fixed time; sentences/s and the p50/p95 of request latency at
 * each level, beside the same student in-process (no HTTP, no batching across requests) for reference. The student
 * is the one-command run's shape (a quarter of bge-small's layers) unless {@code --student} names a checkpoint;
 * its weights do not matter for speed. Writes {@code results.json} and {@code results.md}.
 */
public final class PredictBenchmark {
    static final String USAGE = """
            usage: bench/predict [--student CHECKPOINT] [--clients 1,8,32] [--seconds 20] [--warm-up-seconds 5]
                                 [--out DIR]
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BenchmarkOptions options;
    private final PrintStream out;
    private final Path project;

    PredictBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.project = options.project();
    }

    public static void main(String[] args) {
        BenchmarkOptions.main(args, USAGE, options -> new PredictBenchmark(options, System.out).run());
    }

    Map<String, Object> run() {
        long started = System.nanoTime();
        Path outDir = options.outDir("predict");
        Path tokenizer = Project.tokenizer(project);
        Path devFile = project.resolve("data/sst2/dev.tsv");
        List<String> sentences = LabeledTsv.readRows(devFile, 0).stream().map(LabeledRow::text).toList();
        List<Integer> levels = Arrays.stream(options.option("clients", "1,8,32").split(",")).map(String::strip)
                .map(Integer::parseInt).toList();
        Duration measured = Duration.ofSeconds(options.intOption("seconds", 20));
        Duration warmUp = Duration.ofSeconds(options.intOption("warm-up-seconds", 5));
        String given = options.option("student", "");
        Path student = !given.isEmpty() ? Path.of(given).toAbsolutePath()
                : OfflineTraining.untrained("predict-student", defaultStudent(), tokenizer, outDir.resolve("student"));
        ModelConfig size = Checkpoints.readManifest(student).model();
        out.printf("predict benchmark: student %d x %d (feed-forward %d), %s per level after %s of warm-up%n",
                size.layers(), size.hiddenSize(), size.intermediateSize(), measured, warmUp);

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("student", Map.of("layers", size.layers(), "hidden", size.hiddenSize(), "intermediate",
                size.intermediateSize(), "maxLength", size.maxLength()));
        results.put("cores", Runtime.getRuntime().availableProcessors());
        Latency inProcess = Latency.measure(student, tokenizer, sentences.subList(0, 256), 100);
        results.put("inProcess", Map.of("millisAtBatch1", inProcess.millisAtBatch1(), "sentencesPerSecondAtBatch32",
                inProcess.sentencesPerSecond()));
        out.printf("in-process: %.1f ms per sentence at batch 1, %.0f sentences/s at batch 32%n",
                inProcess.millisAtBatch1(), inProcess.sentencesPerSecond());
        List<Map<String, Object>> rows = new ArrayList<>();
        try (EmbeddedStack stack = EmbeddedStack.start(outDir.resolve("stack"), Topics.all(), 1);
                ServiceProcess eval = ServiceProcess.start(ServiceSettings.eval(stack.kafka().bootstrapServers())
                        .database(stack.database()).heldOut(devFile, 64).tokenizer(tokenizer)
                        .checkpointDir(student.getParent()).onnxScoring(false), project,
                        outDir.resolve("logs"))) {
            promote(stack, eval, student);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            for (int clients : levels) {
                load(http, eval.url(), sentences, clients, warmUp);
                Map<String, Object> row = load(http, eval.url(), sentences, clients, measured);
                out.printf("%2d clients: %.0f sentences/s, p50 %.1f ms, p95 %.1f ms per request (%d requests)%n",
                        clients, row.get("sentencesPerSecond"), row.get("p50Millis"), row.get("p95Millis"),
                        row.get("requests"));
                rows.add(row);
            }
        }
        results.put("rows", rows);
        results.put("seconds", Math.round((System.nanoTime() - started) / 1e9));
        BenchmarkOptions.writeResults(outDir, results, table(results), out);
        return results;
    }

    private static ModelConfig defaultStudent() {
        try (NDManager manager = NDManager.newBaseManager()) {
            return StudentSizing.quarterDepth(PretrainedEncoder.BGE_SMALL_EN_V15.load(manager, 64).config());
        }
    }

    /** Publishes the student's checkpoint event and waits until eval-service has promoted it and answers with it. */
    private void promote(EmbeddedStack stack, ServiceProcess eval, Path student) {
        CheckpointEvent event = Checkpoints.readManifest(student).announcement(student);
        String checkpointId = event.checkpointId();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.CHECKPOINTS, checkpointId, WireCodec.encode(event)));
        }
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            HttpResponse<String> answer = post(http, eval.url(), "a fine film");
            if (answer.statusCode() == 200 && answer.body().contains(checkpointId)) {
                out.println("student promoted and serving");
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the student was not serving /predict within 5 minutes: "
                        + answer.statusCode() + " " + answer.body() + "\n" + eval.tail(20));
            }
            ServiceProcess.sleep(500);
        }
    }

    /** Clients sending one sentence per request, back to back, for the duration. */
    private static Map<String, Object> load(HttpClient http, String url, List<String> sentences, int clients,
            Duration duration) {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger next = new AtomicInteger();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        List<Future<List<Double>>> work = new ArrayList<>();
        long started = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            work.add(pool.submit(() -> {
                List<Double> millis = new ArrayList<>();
                while (System.nanoTime() < end) {
                    String sentence = sentences.get(Math.floorMod(next.getAndIncrement(), sentences.size()));
                    long sent = System.nanoTime();
                    if (post(http, url, sentence).statusCode() == 200) {
                        millis.add((System.nanoTime() - sent) / 1e6);
                    } else {
                        failed.incrementAndGet();
                    }
                }
                return millis;
            }));
        }
        List<Double> all = new ArrayList<>();
        try {
            for (Future<List<Double>> client : work) {
                all.addAll(client.get());
            }
        } catch (Exception e) {
            throw new IllegalStateException("a load client failed: " + e.getMessage(), e);
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("clients", clients);
        row.put("requests", sorted.length);
        row.put("failed", failed.get());
        row.put("sentencesPerSecond", sorted.length / seconds);
        row.put("p50Millis", sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2]);
        row.put("p95Millis", sorted.length == 0 ? Double.NaN : sorted[(int) Math.ceil(sorted.length * 0.95) - 1]);
        return row;
    }

    private static HttpResponse<String> post(HttpClient http, String url, String sentence) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/predict"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(List.of(sentence)))).build();
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("POST /predict failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String table(Map<String, Object> results) {
        StringBuilder table = new StringBuilder();
        Map<?, ?> student = (Map<?, ?>) results.get("student");
        Map<?, ?> inProcess = (Map<?, ?>) results.get("inProcess");
        table.append(String.format("Student %s x %s (feed-forward %s), %s cores; in-process %.1f ms per sentence at "
                        + "batch 1, %.0f sentences/s at batch 32.%n%n", student.get("layers"), student.get("hidden"),
                student.get("intermediate"), results.get("cores"), inProcess.get("millisAtBatch1"),
                inProcess.get("sentencesPerSecondAtBatch32")));
        table.append("| clients | sentences/s | p50 ms | p95 ms | requests | failed |\n|---|---|---|---|---|---|\n");
        for (Object item : (List<?>) results.get("rows")) {
            Map<?, ?> row = (Map<?, ?>) item;
            table.append(String.format("| %s | %.0f | %.1f | %.1f | %s | %s |%n", row.get("clients"),
                    row.get("sentencesPerSecond"), row.get("p50Millis"), row.get("p95Millis"), row.get("requests"),
                    row.get("failed")));
        }
        return table.toString();
    }
}
