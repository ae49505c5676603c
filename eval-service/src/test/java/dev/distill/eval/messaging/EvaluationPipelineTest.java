package dev.distill.eval.messaging;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.eval.EvalTestProfile;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.KafkaTopics;
import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
        poison.forEach((kind, value) -> KafkaTopics.send(Topics.CHECKPOINTS, prefix + kind,
                value.getBytes(StandardCharsets.UTF_8)));
        KafkaTopics.send(Topics.CHECKPOINTS, valid.checkpointId(), WireCodec.encode(valid));

        awaitScored(valid.checkpointId());
        given().get("/leaderboard").then().body("find { it.checkpointId == '" + valid.checkpointId()
                + "' }.labels", equalTo("[\"0\",\"1\"]"));
        Set<String> keys = poison.keySet().stream().map(kind -> prefix + kind).collect(Collectors.toSet());
        Map<String, String> reasons = KafkaTopics.readKeys(Topics.deadLetter(Topics.CHECKPOINTS), keys,
                        Duration.ofSeconds(30)).stream()
                .collect(Collectors.toMap(record -> record.key().substring(prefix.length()),
                        KafkaTopics::deadLetterReason));
        assertEquals(poison.keySet(), reasons.keySet(), "every poison event is dead-lettered, once");
        assertReason(reasons, "null checkpointId", "checkpointId is missing");
        assertReason(reasons, "long checkpointId", "checkpointId has 300 characters");
        assertReason(reasons, "long runId", "runId has 300 characters");
        assertReason(reasons, "NUL in checkpointId", "checkpointId contains a control character (U+0000)");
        assertReason(reasons, "NUL in runId", "runId contains a control character (U+0000)");
        assertReason(reasons, "NUL in path", "path contains a control character (U+0000)");
        assertReason(reasons, "null path", "path is missing");
        assertReason(reasons, "negative step", "must not be negative");
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
        KafkaTopics.send(Topics.CHECKPOINTS, event.checkpointId(), WireCodec.encode(event));
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
        KafkaTopics.send(Topics.CHECKPOINTS, event.checkpointId(), WireCodec.encode(event));
        awaitScored(event.checkpointId());
    }

    /** A checkpoint outside eval.checkpoint-dir is refused with a reason that says which setting to fix. */
    @Test
    void aCheckpointOutsideTheCheckpointDirectoryIsDeadLetteredWithTheSettingToFix() throws IOException {
        Files.createDirectories(EvalTestProfile.CHECKPOINT_DIR);
        CheckpointEvent elsewhere = TestCheckpoints.write(Path.of("target/elsewhere").toAbsolutePath(),
                "run-" + UUID.randomUUID(), 3, 3);
        KafkaTopics.send(Topics.CHECKPOINTS, elsewhere.checkpointId(), WireCodec.encode(elsewhere));
        List<ConsumerRecord<String, byte[]>> dead = KafkaTopics.readKeys(Topics.deadLetter(Topics.CHECKPOINTS),
                Set.of(elsewhere.checkpointId()), Duration.ofSeconds(30));
        assertEquals(1, dead.size(), "dead letters of the event");
        String reason = KafkaTopics.deadLetterReason(dead.get(0));
        assertTrue(reason.contains("outside the checkpoint directory") && reason.contains("train.checkpoint-dir"),
                reason);
    }

    static void awaitScored(String checkpointId) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> ids = given().get("/leaderboard").then().statusCode(200).extract().jsonPath()
                    .getList("checkpointId");
            if (ids.contains(checkpointId)) {
                return;
            }
            sleep();
        }
        given().get("/leaderboard").then().body("checkpointId", hasItem(checkpointId));
    }

    private static void assertReason(Map<String, String> reasons, String kind, String expected) {
        assertTrue(reasons.get(kind).contains(expected), kind + ": " + reasons.get(kind));
    }

    private static String json(CheckpointEvent event) {
        return new String(WireCodec.encode(event), StandardCharsets.UTF_8);
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
