package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.CheckpointRetirement;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.wire.PromotionEvent;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.testkit.ExternalTools;
import dev.distill.local.testkit.HeadlessBrowser;
import dev.distill.local.testkit.ScratchTeacher;
import dev.distill.local.testkit.TraceCollector;
import io.restassured.path.json.JsonPath;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The three packaged services against one real Kafka broker and one real PostgreSQL: labelled SST-2 examples go
 * in over REST, checkpoints come out, are scored, and the leaderboard shows a student above chance; the services'
 * metrics, the promotions and the dashboard show it too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndTest {
    private static final int STREAMED = 4000;
    private static final int HELD_OUT = 300;

    private static LocalRun run;
    private static String runId;
    private static JsonNode finalScore;
    private static TraceCollector traces;

    @BeforeAll
    static void runPipeline() throws IOException {
        traces = new TraceCollector();
        Path project = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
        LocalRunOptions defaults = LocalRunOptions.defaults(project);
        Path teacher = ScratchTeacher.train(defaults.trainFile(), 4000, 3, new ModelConfig(30522, 64, 1, 2, 64, 2),
                defaults.tokenizer(), project.resolve("distill-local/target/e2e-teacher"));
        LocalRunOptions options = defaults
                .withWorkDir(project.resolve("distill-local/target/e2e-run"))
                .withLimits(STREAMED, HELD_OUT)
                .withTeacher(teacher)
                .withStudent(new ModelConfig(30522, 64, 1, 2, 64, 2), LocalRunOptions.TEACHER, 1e-3f, 40)
                .withTracing(traces.endpoint());
        run = LocalRun.start(options, System.out);
        List<LabeledRow> rows = LabeledTsv.readRows(project.resolve("data/sst2/train.tsv"), STREAMED);
        run.stream(rows);
        JsonNode trained = run.awaitTrained(STREAMED, Duration.ofMinutes(10));
        runId = trained.get("id").asText();
        finalScore = run.awaitEvaluated(runId, STREAMED, Duration.ofMinutes(5));
        System.out.printf("teacher accuracy %.4f, final student accuracy %.4f%n", run.scoreTeacher().accuracy(),
                finalScore.get("accuracy").asDouble());
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
        traces.close();
    }

    @Test
    void everyExampleWasTrainedOnExactlyOnceInOneRun() {
        given().baseUri(run.trainUrl()).get("/runs").then()
                .statusCode(200)
                .body("$", hasSize(1))
                .body("[0].examplesSeen", equalTo(STREAMED));
    }

    /**
     * Every checkpoint was written; each keeps its weights, or checkpoint retention retired it (its manifest stays),
     * and the newest one, which a restart resumes from, keeps them.
     */
    @Test
    void checkpointsWereWrittenAndLoadable() {
        JsonPath checkpoints = given().baseUri(run.trainUrl()).get("/runs/" + runId + "/checkpoints")
                .then().statusCode(200).extract().jsonPath();
        List<String> paths = checkpoints.getList("path");
        assertTrue(paths.size() >= 2, "expected periodic and final checkpoints, got " + paths);
        for (String path : paths) {
            CheckpointManifest manifest = Checkpoints.readManifest(Path.of(path));
            assertEquals(runId, manifest.runId());
            assertEquals("0.5", manifest.runConfig().get("train.alpha"));
            assertTrue(Files.isRegularFile(Path.of(path, Checkpoints.PARAMETERS))
                    || CheckpointRetirement.retired(Path.of(path)), path + " has weights or was retired");
        }
        Path newest = paths.stream().map(Path::of).max(Comparator.comparing(dir -> dir.getFileName().toString()))
                .orElseThrow();
        assertTrue(Files.isRegularFile(newest.resolve(Checkpoints.PARAMETERS)), "the newest keeps its weights");
    }

    @Test
    void everyCheckpointWasEvaluatedAndTheBestBeatsChance() {
        int checkpoints = given().baseUri(run.trainUrl()).get("/runs/" + runId + "/checkpoints")
                .then().extract().jsonPath().getList("id").size();
        given().baseUri(run.evalUrl()).get("/leaderboard").then()
                .statusCode(200)
                .body("$", hasSize(checkpoints))
                .body("[0].examples", equalTo(HELD_OUT))
                .body("[0].accuracy", greaterThan(0.58f))
                .body("[0].runId", equalTo(runId));
        assertTrue(finalScore.get("accuracy").asDouble() > 0.55,
                "final checkpoint accuracy " + finalScore.get("accuracy"));
    }

    @Test
    void badIngestRequestsAreRefusedWithAReason() {
        given().baseUri(run.labelUrl()).header("Authorization", ServiceProcess.AUTHORIZATION)
                .contentType("application/json").body("[{\"text\": \"\"}]")
                .post("/examples").then()
                .statusCode(400)
                .body("error", equalTo("example 0: text is empty"));
        given().baseUri(run.labelUrl()).header("Authorization", ServiceProcess.AUTHORIZATION)
                .contentType("application/json").body("[{\"text\": \"fine\", \"label\": 7}]")
                .post("/examples").then()
                .statusCode(400)
                .body("error", equalTo("example 0: label \"7\" is not one of [negative, positive] (give a class "
                        + "name, or its index below 2)"));
        given().baseUri(run.labelUrl()).header("Authorization", ServiceProcess.AUTHORIZATION)
                .contentType("application/json").body("{not json")
                .post("/examples").then()
                .statusCode(400);
    }

    @Test
    void everyServiceExposesItsMetrics() {
        Map<String, List<Double>> label = ServiceHttp.metrics(run.labelUrl());
        // Labelling work, which a rebalance may repeat for an uncommitted poll: at least every example once.
        assertTrue(sum(label, MetricNames.LABEL_EXAMPLES, "_total") >= STREAMED);
        assertTrue(sum(label, MetricNames.LABEL_BATCH, "_seconds_count") > 0);
        assertTrue(sum(label, MetricNames.LABEL_BATCH, "_seconds_bucket") > 0);

        Map<String, List<Double>> train = ServiceHttp.metrics(run.trainUrl());
        assertEquals(STREAMED, sum(train, MetricNames.TRAIN_EXAMPLES, "_total"), 0.0);
        double steps = sum(train, MetricNames.TRAIN_STEPS, "_total");
        assertTrue(steps >= STREAMED / 32.0, "steps " + steps);
        assertEquals(steps, sum(train, MetricNames.TRAIN_STEP, "_seconds_count"), 0.0);
        assertTrue(sum(train, MetricNames.TRAIN_LOSS, "") > 0);
        double divergence = sum(train, MetricNames.TRAIN_KL, "");
        assertTrue(divergence >= 0 && Double.isFinite(divergence), "KL " + divergence);

        Map<String, List<Double>> eval = ServiceHttp.metrics(run.evalUrl());
        int checkpoints = given().baseUri(run.trainUrl()).get("/runs/" + runId + "/checkpoints")
                .then().extract().jsonPath().getList("id").size();
        assertEquals(checkpoints, sum(eval, MetricNames.EVAL_CHECKPOINTS, "_total"), 0.0);
        double accuracy = sum(eval, MetricNames.EVAL_ACCURACY, "");
        assertTrue(accuracy > 0 && accuracy <= 1, "accuracy " + accuracy);
        double agreement = sum(eval, MetricNames.EVAL_AGREEMENT, "");
        assertTrue(agreement > 0 && agreement <= 1, "agreement " + agreement);
        assertTrue(sum(eval, MetricNames.EVAL_PROMOTED_ACCURACY, "") > 0.5);

        for (Map<String, List<Double>> service : List.of(label, train, eval)) {
            assertTrue(sum(service, MetricNames.CONSUMER_LAG, "") >= 0, "consumer lag");
        }
    }

    private static double sum(Map<String, List<Double>> samples, String meter, String suffix) {
        return ServiceHttp.sum(samples, MetricNames.prometheus(meter, suffix));
    }

    @Test
    @Order(Integer.MAX_VALUE) // rolls the promotion back: the other tests see the pipeline as it ran
    void onlyBetterCheckpointsArePromotedAndARollbackRestoresThePreviousOne() {
        List<Map<String, Object>> history = given().baseUri(run.evalUrl()).get("/promotions")
                .then().statusCode(200).extract().jsonPath().getList("$");
        assertTrue(history.size() >= 1, "no promotion");
        for (int i = 0; i + 1 < history.size(); i++) {
            double newer = ((Number) history.get(i).get("accuracy")).doubleValue();
            double older = ((Number) history.get(i + 1).get("accuracy")).doubleValue();
            assertTrue(newer > older + 0.005, "promotion " + newer + " does not beat " + older + " by the margin");
        }
        double best = given().baseUri(run.evalUrl()).get("/leaderboard").then().extract().jsonPath()
                .getDouble("[0].accuracy");
        String promoted = given().baseUri(run.evalUrl()).get("/promotions/current").then().statusCode(200)
                .extract().jsonPath().getString("checkpointId");
        assertEquals(history.get(0).get("checkpointId"), promoted);
        assertTrue(((Number) history.get(0).get("accuracy")).doubleValue() >= best - 0.005 - 1e-9);

        given().baseUri(run.evalUrl()).post("/promotions/rollback").then().statusCode(401);
        if (history.size() == 1) {
            // nothing would serve after it
            given().baseUri(run.evalUrl()).header("Authorization", ServiceProcess.AUTHORIZATION)
                    .post("/promotions/rollback").then().statusCode(409);
            return;
        }
        JsonPath rolledBack = given().baseUri(run.evalUrl()).header("Authorization", ServiceProcess.AUTHORIZATION)
                .post("/promotions/rollback").then().statusCode(200).extract().jsonPath();
        assertEquals("ROLLED_BACK", rolledBack.getString("kind"));
        assertEquals(promoted, rolledBack.getString("replacedCheckpointId"));
        assertEquals(history.get(1).get("checkpointId"), rolledBack.getString("checkpointId"));

        List<PromotionEvent> events = promotionEvents(history.size() + 1);
        assertEquals(history.size(), events.stream().filter(e -> e.kind() == PromotionEvent.Kind.PROMOTED).count());
        assertEquals(PromotionEvent.Kind.ROLLED_BACK, events.get(events.size() - 1).kind());
    }

    @Test
    void theDashboardDrawsTheRunsCurves() throws IOException {
        Optional<Path> chromium = HeadlessBrowser.executable();
        if (chromium.isEmpty()) {
            ExternalTools.missing("Chromium");
        }
        try (HeadlessBrowser browser = HeadlessBrowser.start(chromium.get(), 1400, 1100)) {
            browser.navigate(run.evalUrl() + "/");
            browser.await("an accuracy curve", Duration.ofSeconds(30), () -> browser.evaluate(
                    "document.querySelectorAll('#accuracy-chart polyline.series').length").asInt() > 0);
            int points = browser.evaluate("document.querySelector('#accuracy-chart polyline.series')"
                    + ".getAttribute('points').trim().split(' ').length").asInt();
            int checkpoints = given().baseUri(run.evalUrl()).get("/leaderboard").then().extract().jsonPath()
                    .getList("$").size();
            assertEquals(checkpoints, points, "one point per scored checkpoint");
            assertEquals(checkpoints, browser.evaluate("document.querySelectorAll('#leaderboard tbody tr').length")
                    .asInt(), "leaderboard rows");
            assertEquals(checkpoints, browser.evaluate("document.querySelectorAll('#latency-chart circle.checkpoint')"
                    + ".length").asInt(), "a dot per checkpoint on the accuracy-by-latency chart");
            assertEquals(checkpoints, browser.evaluate("document.querySelectorAll('#latency-chart circle.int8')"
                    + ".length").asInt(), "a ring per checkpoint's int8 export");
            assertEquals(1, browser.evaluate("document.querySelectorAll('#latency-chart rect.teacher-point').length")
                    .asInt(), "the teacher marked");
            JsonNode box = browser.evaluate("JSON.parse(JSON.stringify("
                    + "document.getElementById('accuracy-chart').getBoundingClientRect()))");
            byte[] png = browser.screenshot();
            Files.write(run.checkpointDir().resolveSibling("dashboard.png"), png);
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            int curvePixels = 0;
            for (int x = box.get("left").asInt(); x < box.get("right").asInt() && x < image.getWidth(); x++) {
                for (int y = box.get("top").asInt(); y < box.get("bottom").asInt() && y < image.getHeight(); y++) {
                    curvePixels += isFirstSeriesBlue(image.getRGB(x, y)) ? 1 : 0;
                }
            }
            assertTrue(curvePixels > 200, "the accuracy chart shows " + curvePixels + " pixels of its curve");
        }
    }

    /** Close to #2563eb, the colour of the first run's curve. */
    private static boolean isFirstSeriesBlue(int rgb) {
        int red = (rgb >> 16) & 0xff;
        int green = (rgb >> 8) & 0xff;
        int blue = rgb & 0xff;
        return Math.abs(red - 0x25) < 40 && Math.abs(green - 0x63) < 40 && Math.abs(blue - 0xeb) < 40;
    }

    private static List<PromotionEvent> promotionEvents(int expected) {
        return records(Topics.PROMOTIONS, expected).stream()
                .map(record -> WireCodec.decode(record.value(), PromotionEvent.class)).toList();
    }

    @Test
    void tracesFollowRecordsAcrossKafka() {
        // Each hop's records carry the trace context (W3C traceparent), and the consuming service continues it.
        Map<String, String> consumers = Map.of(Topics.SOFT_LABELS, "train-service", Topics.CHECKPOINTS, "eval-service");
        consumers.forEach((topic, service) -> {
            Header traceparent = records(topic, 1).get(0).headers().lastHeader("traceparent");
            assertNotNull(traceparent, topic + " records carry no trace context");
            String traceId = new String(traceparent.value(), StandardCharsets.US_ASCII).split("-")[1];
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!traces.hasSpan(service, traceId) && System.nanoTime() < deadline) {
                ServiceProcess.sleep(200);
            }
            assertTrue(traces.hasSpan(service, traceId), service + " did not continue trace " + traceId + " of "
                    + topic);
        });
    }

    /** The first records of a topic, at least {@code expected} of them if they come within 30 s. */
    private static List<ConsumerRecord<String, byte[]>> records(String topic, int expected) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", run.kafkaBootstrapServers(), "isolation.level", "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            return records;
        }
    }
}
