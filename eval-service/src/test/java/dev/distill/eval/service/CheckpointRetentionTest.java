package dev.distill.eval.service;

import static dev.distill.eval.EvalServiceState.awaitPromoted;
import static dev.distill.eval.EvalServiceState.leaderboardRow;
import static dev.distill.eval.EvalServiceState.send;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.checkpoint.CheckpointException;
import dev.distill.core.checkpoint.CheckpointRetirement;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.onnx.OnnxPrecision;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.Topics;
import dev.distill.eval.EvalServiceState;
import dev.distill.eval.EvalTestProfile;
import dev.distill.eval.Promotion;
import dev.distill.eval.ml.ServingModel;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.KafkaTopics;
import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checkpoint retention on a promotion history (every scored checkpoint promoted): only the serving checkpoint is
 * kept (one standing promotion, the newest), the others are retired once scored: their weights go, their manifests,
 * ledgers and scores stay, and every reader is told so instead of failing: a rollback to one, a redelivered event of
 * one, an event of a retired checkpoint never scored, loading one for /predict, exporting one for download. The
 * serving one still answers and downloads.
 */
@QuarkusTest
@Tag("own-profile")
@TestProfile(CheckpointRetentionTest.KeepOnlyTheServing.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class CheckpointRetentionTest {
    /** How long a retired checkpoint's manifest and ledger stay here. */
    static final Duration REMOVE_AFTER = Duration.ofSeconds(20);

    @Inject
    ServingModel servingModel;
    @Inject
    StudentDownloads downloads;

    /** {@link EvalTestProfile} with retention on: the serving checkpoint kept, no other. */
    public static class KeepOnlyTheServing extends EvalTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("eval.retention.enabled", "true");
            overrides.put("eval.retention.keep-promotions", "1");
            overrides.put("eval.retention.keep-best", "0");
            overrides.put("eval.retention.keep-newest", "1");
            overrides.put("eval.retention.remove-retired-after", REMOVE_AFTER.toString());
            return overrides;
        }
    }

    @Test
    void checkpointsNoRuleKeepsAreRetiredAndEveryReaderIsToldSo() throws Exception {
        String run = "run-" + UUID.randomUUID();
        CheckpointEvent first = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 1, 81);
        CheckpointEvent second = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 2, 82);
        CheckpointEvent serving = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 3, 83);
        for (CheckpointEvent event : List.of(first, second, serving)) {
            send(event);
            awaitPromoted(event.checkpointId());
        }
        for (CheckpointEvent retired : List.of(first, second)) {
            JsonPath row = awaitSet(retired.checkpointId(), "retiredAt");
            assertNotNull(row.getString("accuracy"), "the score stays");
            Path directory = Path.of(retired.path());
            assertFalse(Files.exists(directory.resolve(Checkpoints.PARAMETERS)), "the weights are gone");
            assertEquals(retired.step(), Checkpoints.readManifest(directory).step(), "the manifest stays");
            assertTrue(Files.exists(directory.resolve(Checkpoints.APPLIED_EXAMPLES)), "the ledger stays");
        }
        assertNull(leaderboardRow(serving.checkpointId()).getString("retiredAt"));
        assertTrue(Files.exists(Path.of(serving.path()).resolve(Checkpoints.PARAMETERS)));

        // the serving checkpoint still answers /predict and downloads
        given().contentType("application/json").body("[\"a fine film\"]").post("/predict").then().statusCode(200)
                .body("checkpointId", containsString(serving.checkpointId()));
        given().get("/promotions/current/student.onnx").then().statusCode(200);
        // /predict never loads a retired checkpoint: it is told why, and the serving student stays
        assertFalse(servingModel.switchTo(first.checkpointId(), first.path()).get(60, TimeUnit.SECONDS));
        given().contentType("application/json").body("[\"a fine film\"]").post("/predict").then().statusCode(200)
                .body("checkpointId", containsString(serving.checkpointId()));
        // nor is one exported for download
        Promotion gone = new Promotion();
        gone.checkpointId = second.checkpointId();
        gone.path = second.path();
        CheckpointException refused = assertThrows(CheckpointException.class,
                () -> downloads.onnx(gone, OnnxPrecision.FP32));
        assertTrue(refused.getMessage().contains("was retired: checkpoint retention deleted its weights"),
                refused.getMessage());
        // a rollback would restore a retired checkpoint: refused, with the reason
        given().auth().preemptive().basic("distill", EmbeddedStackResource.API_KEY).post("/promotions/rollback")
                .then().statusCode(409).body("error", containsString("checkpoint " + second.checkpointId()
                        + ", which a rollback would restore, was retired"));

        // a retired checkpoint's event again changes nothing; one never scored is refused with the reason
        CheckpointEvent neverScored = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 4, 84);
        CheckpointRetirement.retire(Path.of(neverScored.path()));
        CheckpointEvent next = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, 5, 85);
        send(first);
        send(neverScored);
        send(next);
        awaitPromoted(next.checkpointId());
        List<ConsumerRecord<String, byte[]>> dead = KafkaTopics.readKeys(Topics.deadLetter(Topics.CHECKPOINTS),
                Set.of(neverScored.checkpointId(), first.checkpointId()), Duration.ofSeconds(10));
        assertEquals(List.of(neverScored.checkpointId()), dead.stream().map(ConsumerRecord::key).toList(),
                "only the checkpoint never scored is dead-lettered");
        String reason = KafkaTopics.deadLetterReason(dead.get(0));
        assertTrue(reason.contains("was retired: checkpoint retention deleted its weights"), reason);

        String kept = given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(line -> line.startsWith("distill_eval_checkpoints_kept ")).findFirst().orElse("");
        assertTrue(kept.matches("distill_eval_checkpoints_kept [1-9].*"), "kept checkpoints measured: " + kept);

        // once retired longer than eval.retention.remove-retired-after, a checkpoint's directory goes at the next
        // retention pass (the next decided checkpoint); its score stays
        Instant retiredAt = Instant.parse(leaderboardRow(first.checkpointId()).getString("retiredAt"));
        LockSupport.parkNanos(Duration.between(Instant.now(), retiredAt.plus(REMOVE_AFTER).plusSeconds(1)).toNanos());
        CheckpointEvent latest = EvalServiceState.promoteNew(86);
        JsonPath removed = awaitSet(first.checkpointId(), "removedAt");
        assertFalse(Files.exists(Path.of(first.path())), "the retired checkpoint's directory is gone");
        assertNotNull(removed.getString("accuracy"), "its score stays");
        assertTrue(Files.exists(Path.of(latest.path()).resolve(Checkpoints.PARAMETERS)), "the serving one stays");
    }

    /** The checkpoint's leaderboard row once its {@code field} ({@code retiredAt}, {@code removedAt}) is set. */
    private static JsonPath awaitSet(String checkpointId, String field) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        JsonPath row = leaderboardRow(checkpointId);
        while (row.getString(field) == null) {
            assertTrue(System.nanoTime() < deadline, "checkpoint " + checkpointId + ": no " + field);
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            row = leaderboardRow(checkpointId);
        }
        return row;
    }
}
