package dev.distill.eval.messaging;

import static dev.distill.eval.EvalServiceState.awaitScored;
import static dev.distill.eval.EvalServiceState.scored;
import static dev.distill.eval.EvalServiceState.send;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.embedded.EmbeddedDatabase;
import dev.distill.eval.EvalTestProfile;
import dev.distill.eval.SlowScoringProfile;
import dev.distill.eval.ml.SlowCheckpointScorer;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.LogCapture;
import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.UUID;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An event may wait for its scoring and its database write as long as they take: a 90-second scoring and a
 * 70-second database outage each leave the consumer consuming and liveness UP; readiness is DOWN only while the
 * database is away. (SmallRye's default would give up the partition for good after 60 s.)
 */
@QuarkusTest
@Tag("own-profile")
@TestProfile(SlowScoringProfile.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class LongStallTest {
    private static final Duration OUTAGE = Duration.ofSeconds(70);

    @Test
    void aNinetySecondScoringNeitherStopsTheConsumerNorTurnsHealthDown() {
        LogCapture progress = LogCapture.of(EvaluationPipeline.class, Level.INFO);
        CheckpointEvent slow = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR,
                SlowCheckpointScorer.SLOW_RUN_PREFIX + UUID.randomUUID(), 1, 41);
        CheckpointEvent next = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, "run-" + UUID.randomUUID(), 1,
                42);
        long started = System.nanoTime();
        send(slow);
        send(next);
        double longestScoring = 0;
        while (!scored(next.checkpointId())) {
            assertTrue(System.nanoTime() - started < Duration.ofMinutes(5).toNanos(),
                    "the event after the slow one was not scored within 5 minutes");
            given().get("/q/health/live").then().statusCode(200);
            given().get("/q/health/ready").then().statusCode(200);
            longestScoring = Math.max(longestScoring, scoringSeconds());
            sleep(Duration.ofSeconds(1));
        }
        progress.close();
        assertTrue(System.nanoTime() - started >= SlowCheckpointScorer.SLOW_SCORING.toNanos(),
                "the next event waited for the slow scoring");
        assertTrue(scored(slow.checkpointId()), "the slow checkpoint is on the leaderboard");
        assertTrue(longestScoring > 60, "the scoring gauge rose past a minute: " + longestScoring);
        assertTrue(progress.messages().stream().anyMatch(message -> message.startsWith(
                "still scoring checkpoint " + slow.checkpointId())), "progress is logged: " + progress.messages());
    }

    @Test
    void aDatabaseOutageOfOverAMinuteStallsEvaluationWithoutStoppingIt() {
        EmbeddedDatabase database = EmbeddedStackResource.database();
        CheckpointEvent during = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, "run-" + UUID.randomUUID(), 1,
                43);
        boolean readyWhileAway = true;
        database.stop();
        try {
            send(during);
            long back = System.nanoTime() + OUTAGE.toNanos();
            while (System.nanoTime() < back) {
                given().get("/q/health/live").then().statusCode(200);
                readyWhileAway &= given().get("/q/health/ready").statusCode() == 200;
                sleep(Duration.ofSeconds(1));
            }
        } finally {
            database.startAgain();
        }
        assertTrue(!readyWhileAway, "readiness is DOWN while the database is away");
        awaitScored(during.checkpointId());
        CheckpointEvent after = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, "run-" + UUID.randomUUID(), 1,
                44);
        send(after);
        awaitScored(after.checkpointId());
        given().get("/q/health/ready").then().statusCode(200);
    }

    /** {@code distill_eval_scoring_seconds} on {@code /q/metrics}. */
    private static double scoringSeconds() {
        String name = MetricNames.prometheus(MetricNames.EVAL_SCORING_SECONDS, "");
        return given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(name + " is not on /q/metrics"));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
