package dev.distill.eval.service;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.telemetry.MetricNames;
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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A test profile of its own: a JVM of its own (tag {@code own-profile}, see the pom). */
@QuarkusTest
@Tag("own-profile")
@TestProfile(PromotionLimitTest.LatencyLimit.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class PromotionLimitTest {

    /** {@link EvalTestProfile}, which promotes any scored checkpoint, with a latency limit no model can meet. */
    public static class LatencyLimit extends EvalTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("eval.max-latency-ms", "0.000001");
            return overrides;
        }
    }

    @Test
    void aCheckpointOverTheLatencyLimitIsScoredButNotPromoted() {
        CheckpointEvent event = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, "run-" + UUID.randomUUID(), 3,
                5);
        KafkaTopics.send(Topics.CHECKPOINTS, event.checkpointId(), WireCodec.encode(event));

        String refused = MetricNames.prometheus(MetricNames.EVAL_PROMOTIONS_REFUSED, "_total");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .noneMatch(line -> line.startsWith(refused) && line.contains("limit=\"latency\""))) {
            assertTrue(System.nanoTime() < deadline, "no refusal counted in /q/metrics");
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        List<String> scored = given().get("/leaderboard").then().extract().jsonPath().getList("checkpointId");
        assertTrue(scored.contains(event.checkpointId()), "the refused checkpoint is still on the leaderboard");
        List<String> promoted = given().get("/promotions").then().statusCode(200).extract().jsonPath()
                .getList("checkpointId");
        assertFalse(promoted.contains(event.checkpointId()), "promotions: " + promoted);
    }
}
