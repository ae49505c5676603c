package dev.distill.eval.messaging;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static dev.distill.eval.EvalServiceState.awaitPromoted;
import static dev.distill.eval.EvalServiceState.awaitScored;
import static dev.distill.eval.EvalServiceState.leaderboardRow;
import static dev.distill.eval.EvalServiceState.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.EvalResult;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.eval.CheckpointScore;
import dev.distill.eval.EvalTestProfile;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.KafkaTopics;
import dev.distill.testkit.LogCapture;
import dev.distill.testkit.TestCheckpoints;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(EvalTestProfile.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class EvaluationPipelineTest {
    private static final String LONG = "x".repeat(300);

    /**
     * Events that can never be stored go to the dead-letter topic with a reason that names what is wrong, and the
     * valid checkpoint behind them is scored while health stays UP.
     */
    @Test
    void poisonCheckpointEventsAreDeadLetteredAndTheNextValidOneIsScored() {
        String run = "run-" + UUID.randomUUID();
        CheckpointEvent valid = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 10, 1);
        Map<String, String> poison = new LinkedHashMap<>();
        poison.put("null checkpointId", "{\"runId\": \"r\", \"checkpointId\": null, \"step\": 1, \"examplesSeen\": 1, "
                + "\"path\": \"" + valid.path() + "\", \"trainLoss\": 0.5}");
        poison.put("long checkpointId", json(new CheckpointEvent(run, LONG, 1, 1, valid.path(), 0.5)));
        poison.put("long runId", json(new CheckpointEvent(LONG, UUID.randomUUID().toString(), 1, 1, valid.path(), 0.5)));
        poison.put("NUL in checkpointId", json(new CheckpointEvent(run, "a\u0000b", 1, 1, valid.path(), 0.5)));
        poison.put("NUL in runId", json(new CheckpointEvent("a\u0000b", "c1", 1, 1, valid.path(), 0.5)));
        poison.put("NUL in path", json(new CheckpointEvent(run, "c2", 1, 1, valid.path() + "\u0000", 0.5)));
        poison.put("null path", json(new CheckpointEvent(run, "c3", 1, 1, null, 0.5)));
        poison.put("negative step", json(new CheckpointEvent(run, "c4", -1, 1, valid.path(), 0.5)));
        String prefix = "poison-" + UUID.randomUUID() + "-";
        LogCapture warnings = LogCapture.of(EvaluationPipeline.class, Level.WARNING);
        poison.forEach((kind, value) -> KafkaTopics.send(Topics.CHECKPOINTS, prefix + kind,
                value.getBytes(StandardCharsets.UTF_8)));
        send(valid);

        awaitScored(valid.checkpointId());
        given().get("/leaderboard").then().body("find { it.checkpointId == '" + valid.checkpointId()
                + "' }.labels", equalTo("[\"0\",\"1\"]"));
        Map<String, String> reasons = deadLetterReasons(prefix, poison.keySet());
        assertEquals(poison.keySet(), reasons.keySet(), "every poison event is dead-lettered, once");
        assertReason(reasons, "null checkpointId", "checkpointId is missing");
        assertReason(reasons, "long checkpointId", "checkpointId has 300 characters");
        assertReason(reasons, "long runId", "runId has 300 characters");
        assertReason(reasons, "NUL in checkpointId", "checkpointId contains a control character (U+0000)");
        assertReason(reasons, "NUL in runId", "runId contains a control character (U+0000)");
        assertReason(reasons, "NUL in path", "path contains a control character (U+0000)");
        assertReason(reasons, "null path", "path is missing");
        assertReason(reasons, "negative step", "must not be negative");
        warnings.close();
        reasons.forEach((kind, reason) -> assertTrue(warnings.messages().stream().anyMatch(message ->
                message.contains(prefix + kind) && message.contains("sent to the dead-letter topic")
                        && message.contains(reason)), kind + ": the dead letter is logged with its key and reason, "
                + "in " + warnings.messages()));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    /**
     * Every score carries the checkpoint's speed on this machine and its size, as the teacher's figures do, and the
     * same for its ONNX exports (float and int8) run in ONNX Runtime.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyScoredCheckpointIsTimedAndSized() {
        CheckpointEvent event = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, "run-" + UUID.randomUUID(), 7, 4);
        send(event);
        awaitScored(event.checkpointId());

        for (Map<String, Object> row : given().get("/leaderboard").then().extract().jsonPath()
                .<Map<String, Object>>getList("")) {
            String id = (String) row.get("checkpointId");
            double p50 = ((Number) row.get("latencyMillisP50")).doubleValue();
            double p95 = ((Number) row.get("latencyMillisP95")).doubleValue();
            assertTrue(p50 > 0 && p95 >= p50, id + ": p50 " + p50 + ", p95 " + p95);
            assertTrue(((Number) row.get("sentencesPerSecond")).doubleValue() > 0, id);
            long parameters = ((Number) row.get("parameters")).longValue();
            long nonEmbedding = ((Number) row.get("nonEmbeddingParameters")).longValue();
            assertTrue(nonEmbedding > 0 && parameters > nonEmbedding, id + ": " + parameters + ", " + nonEmbedding);
            // float32 weights: at least 4 bytes per parameter
            long sizeBytes = ((Number) row.get("sizeBytes")).longValue();
            assertTrue(sizeBytes >= 4 * parameters, id);
            Map<String, Object> fp32 = (Map<String, Object>) row.get("onnxFp32");
            Map<String, Object> int8 = (Map<String, Object>) row.get("onnxInt8");
            for (Map<String, Object> onnx : List.of(fp32, int8)) {
                assertTrue(((Number) onnx.get("latencyMillisP50")).doubleValue() > 0, id + ": " + onnx);
                assertTrue(((Number) onnx.get("sentencesPerSecond")).doubleValue() > 0, id + ": " + onnx);
                double accuracy = ((Number) onnx.get("accuracy")).doubleValue();
                assertTrue(accuracy >= 0 && accuracy <= 1, id + ": " + onnx);
            }
            // the same computation up to float rounding: at most a near-tie may flip
            assertEquals(((Number) row.get("accuracy")).doubleValue(), ((Number) fp32.get("accuracy")).doubleValue(),
                    1.0 / ((Number) row.get("examples")).intValue() + 1e-9,
                    id + ": the float ONNX export predicts what the checkpoint predicts");
            assertTrue(((Number) int8.get("sizeBytes")).longValue() < ((Number) fp32.get("sizeBytes")).longValue(),
                    id + ": int8 export smaller than float: " + int8 + " vs " + fp32);
        }
    }

    /** A checkpoint directory deeper than 255 characters is an ordinary checkpoint. */
    @Test
    void checkpointsUnderALongDirectoryAreScored() {
        Path deep = EvalTestProfile.CHECKPOINT_DIR.resolve("d".repeat(120)).resolve("e".repeat(120));
        CheckpointEvent event = TestCheckpoints.write(deep, "run-" + UUID.randomUUID(), 5, 2);
        assertTrue(event.path().length() > 255, "path of " + event.path().length() + " characters");
        send(event);
        awaitScored(event.checkpointId());
    }

    /** A checkpoint outside eval.checkpoint-dir is refused with a reason that says which setting to fix. */
    @Test
    void aCheckpointOutsideTheCheckpointDirectoryIsDeadLetteredWithTheSettingToFix() throws IOException {
        Files.createDirectories(EvalTestProfile.CHECKPOINT_DIR);
        CheckpointEvent elsewhere = TestCheckpoints.write(Path.of("target/elsewhere").toAbsolutePath(),
                "run-" + UUID.randomUUID(), 3, 3);
        send(elsewhere);
        List<ConsumerRecord<String, byte[]>> dead = KafkaTopics.readKeys(Topics.deadLetter(Topics.CHECKPOINTS),
                Set.of(elsewhere.checkpointId()), Duration.ofSeconds(30));
        assertEquals(1, dead.size(), "dead letters of the event");
        String reason = KafkaTopics.deadLetterReason(dead.get(0));
        assertTrue(reason.contains("outside the checkpoint directory") && reason.contains("train.checkpoint-dir"),
                reason);
    }

    /**
     * An event must announce the checkpoint its path holds: another id for it (a second leaderboard row for the same
     * weights, or a copy of the teacher under the run's name), another run or another step is dead-lettered with
     * what differs, and the true event is scored.
     */
    @Test
    void anEventThatDisagreesWithTheCheckpointsManifestIsDeadLettered() {
        String run = "run-" + UUID.randomUUID();
        CheckpointEvent checkpoint = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 5, 51);
        String otherId = UUID.randomUUID().toString();
        Map<String, CheckpointEvent> wrong = new LinkedHashMap<>();
        wrong.put("another id", new CheckpointEvent(run, otherId, 5, 160, checkpoint.path(), 0.5));
        wrong.put("another run", new CheckpointEvent("offline", checkpoint.checkpointId(), 5, 160, checkpoint.path(),
                0.5));
        wrong.put("another step", new CheckpointEvent(run, checkpoint.checkpointId(), 6, 160, checkpoint.path(),
                0.5));
        String prefix = "disagreeing-" + UUID.randomUUID() + "-";
        wrong.forEach((kind, event) -> KafkaTopics.send(Topics.CHECKPOINTS, prefix + kind, WireCodec.encode(event)));
        send(checkpoint);

        awaitScored(checkpoint.checkpointId());
        Map<String, String> reasons = deadLetterReasons(prefix, wrong.keySet());
        assertEquals(wrong.keySet(), reasons.keySet(), "every disagreeing event is dead-lettered, once");
        assertReason(reasons, "another id", "checkpointId \"" + otherId + "\" in the event, \""
                + checkpoint.checkpointId() + "\" in the manifest");
        assertReason(reasons, "another run", "runId \"offline\" in the event, \"" + run + "\" in the manifest");
        assertReason(reasons, "another step", "step 6 in the event, 5 in the manifest");
        List<String> ids = given().get("/leaderboard").then().extract().jsonPath().getList("checkpointId");
        assertTrue(!ids.contains(otherId), "no row under the other id");
    }

    /**
     * Held-out labels (SST-2 dev: 0 and 1, which its labels.txt names negative and positive) are matched to a
     * checkpoint's classes by name: classes named like the labels.txt are scored, classes of other names are refused
     * with the reason instead of being scored by position.
     */
    @Test
    void heldOutLabelsAreMatchedToACheckpointsClassesByName() {
        String run = "run-" + UUID.randomUUID();
        CheckpointEvent named = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 1, 61,
                List.of("negative", "positive"));
        CheckpointEvent otherNames = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 2, 62,
                List.of("c0", "c1"));
        send(otherNames);
        send(named);

        awaitScored(named.checkpointId());
        given().get("/leaderboard").then().body("find { it.checkpointId == '" + named.checkpointId()
                + "' }.labels", equalTo("[\"negative\",\"positive\"]"));
        List<ConsumerRecord<String, byte[]>> dead = KafkaTopics.readKeys(Topics.deadLetter(Topics.CHECKPOINTS),
                Set.of(otherNames.checkpointId()), Duration.ofSeconds(30));
        assertEquals(1, dead.size(), "the checkpoint of other class names is dead-lettered");
        String reason = KafkaTopics.deadLetterReason(dead.get(0));
        assertTrue(reason.contains("is none of the model's classes [c0, c1]"), reason);
    }

    /**
     * A checkpoint is scored and decided once. A redelivered event (a restart before the offset was committed) is
     * skipped: no second eval result, and a checkpoint rolled back stays rolled back. An event whose score was stored
     * before a crash, but not yet published or decided, gets its stored score published and decided, not a new one.
     */
    @Test
    void aRedeliveredEventRepeatsNothingAndFinishesWhatACrashLeft() throws Throwable {
        String run = "run-" + UUID.randomUUID();
        CheckpointEvent first = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 1, 71);
        CheckpointEvent second = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 2, 72);
        send(first);
        awaitPromoted(first.checkpointId());
        send(second);
        awaitPromoted(second.checkpointId());
        String evaluatedAt = leaderboardRow(second.checkpointId()).getString("evaluatedAt");
        given().auth().preemptive().basic("distill", EmbeddedStackResource.API_KEY).post("/promotions/rollback")
                .then().statusCode(200).body("checkpointId", equalTo(first.checkpointId()));

        // scored before a crash that came before its result was published and its promotion decided
        CheckpointEvent interrupted = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 3, 73);
        storeUndecidedScore(interrupted, first.checkpointId());
        send(second);
        send(interrupted);
        awaitPromoted(interrupted.checkpointId());

        JsonPath resumed = leaderboardRow(interrupted.checkpointId());
        assertTrue(resumed.getString("evaluatedAt").startsWith("1970-01-01"), "the stored score is kept, not scored "
                + "again: evaluated at " + resumed.getString("evaluatedAt"));
        assertNotNull(resumed.getString("decidedAt"));
        assertEquals(evaluatedAt, leaderboardRow(second.checkpointId()).getString("evaluatedAt"));
        List<String> promoted = given().get("/promotions").then().extract().jsonPath().getList("checkpointId");
        assertEquals(1, promoted.stream().filter(second.checkpointId()::equals).count(),
                "the rolled-back checkpoint was not promoted again: " + promoted);
        Map<String, Long> published = evalResults(KafkaTopics.readUntil(Topics.EVAL_RESULTS,
                records -> evalResults(records).containsKey(interrupted.checkpointId()), Duration.ofSeconds(30)));
        assertEquals(1L, published.get(second.checkpointId()), "eval results of the redelivered checkpoint");
        assertEquals(1L, published.get(interrupted.checkpointId()), "eval results of the interrupted checkpoint");
    }

    /** The dead-letter reasons of the events sent under keys {@code prefix + kind}, by kind. */
    private static Map<String, String> deadLetterReasons(String prefix, Set<String> kinds) {
        Set<String> keys = kinds.stream().map(kind -> prefix + kind).collect(Collectors.toSet());
        return KafkaTopics.readKeys(Topics.deadLetter(Topics.CHECKPOINTS), keys, Duration.ofSeconds(30)).stream()
                .collect(Collectors.toMap(record -> record.key().substring(prefix.length()),
                        KafkaTopics::deadLetterReason));
    }

    /** Eval results published, counted by checkpoint id. */
    private static Map<String, Long> evalResults(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(record -> WireCodec.decode(record.value(), EvalResult.class))
                .collect(Collectors.groupingBy(EvalResult::checkpointId, Collectors.counting()));
    }

    /**
     * A score stored as a crash after recording it would leave it, not published, not decided: the figures of an
     * earlier checkpoint's row, evaluated at the epoch, so that a new scoring would show.
     */
    private static void storeUndecidedScore(CheckpointEvent event, String figuresOf) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> CheckpointScore
                .<CheckpointScore>findById(figuresOf).chain(figures -> {
                    CheckpointScore score = new CheckpointScore();
                    score.checkpointId = event.checkpointId();
                    score.runId = event.runId();
                    score.step = event.step();
                    score.examplesSeen = event.examplesSeen();
                    score.path = event.path();
                    score.evaluatedAt = Instant.EPOCH;
                    score.accuracy = figures.accuracy;
                    score.macroF1 = figures.macroF1;
                    score.examples = figures.examples;
                    score.labels = figures.labels;
                    score.latencyMillisP50 = figures.latencyMillisP50;
                    score.latencyMillisP95 = figures.latencyMillisP95;
                    score.sentencesPerSecond = figures.sentencesPerSecond;
                    score.parameters = figures.parameters;
                    score.nonEmbeddingParameters = figures.nonEmbeddingParameters;
                    score.sizeBytes = figures.sizeBytes;
                    score.onnxFp32 = figures.onnxFp32;
                    score.onnxInt8 = figures.onnxInt8;
                    return score.persist();
                })));
    }

    private static void assertReason(Map<String, String> reasons, String kind, String expected) {
        assertTrue(reasons.get(kind).contains(expected), kind + ": " + reasons.get(kind));
    }

    private static String json(CheckpointEvent event) {
        return new String(WireCodec.encode(event), StandardCharsets.UTF_8);
    }

}
