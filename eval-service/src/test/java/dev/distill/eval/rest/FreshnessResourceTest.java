package dev.distill.eval.rest;

import static dev.distill.eval.EvalServiceState.awaitPromoted;
import static dev.distill.eval.EvalServiceState.send;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.eval.EvalTestProfile;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A promoted student's freshness: the age of the newest example it learnt from when it began to answer /predict, in
 * parts that add up to it, from the times its manifest, its event and eval-service record.
 */
@QuarkusTest
@TestProfile(EvalTestProfile.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class FreshnessResourceTest {
    private static final String[] PARTS = {"labelling", "training", "checkpoint", "scoring", "promotion"};

    @Test
    void aPromotedStudentSaysHowOldItsNewestExampleWasWhenItBeganToServe() {
        Instant entered = Instant.now().minusSeconds(40).truncatedTo(ChronoUnit.MILLIS); // as Kafka times are
        Instant labelled = entered.plusMillis(2500);
        CheckpointEvent event = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, "run-" + UUID.randomUUID(), 1,
                71, new CheckpointManifest.StreamTimes(entered.toString(), labelled.toString()));
        Instant sent = Instant.now();
        send(event);
        awaitPromoted(event.checkpointId());
        JsonPath freshness = awaitFreshness(event.checkpointId());

        Map<String, Object> ours = freshness.getMap("promotions.find { it.checkpointId == '" + event.checkpointId()
                + "' }");
        assertEquals(entered, Instant.parse((String) ours.get("newestExampleAt")));
        Instant servingSince = Instant.parse((String) ours.get("servingSince"));
        assertTrue(!servingSince.isBefore(sent), "it began to serve after its event was sent: " + ours);
        double total = number(ours, "totalSeconds");
        assertEquals(Duration.between(entered, servingSince).toNanos() / 1e9, total, 1e-3);
        assertEquals(2.5, number(ours, "labellingSeconds"), 1e-3, "labelling: entered to labelled");
        double sum = 0;
        for (String part : PARTS) {
            sum += number(ours, part + "Seconds");
        }
        assertEquals(total, sum, 1e-3, "the parts add up to the total: " + ours);
        assertTrue(number(ours, "scoringSeconds") > 0 && number(ours, "promotionSeconds") > 0, ours.toString());
        assertTrue(freshness.getDouble("total.p95") >= freshness.getDouble("total.p50"));
        assertTrue(freshness.getDouble("total.max") >= total - 1e-3);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("distill_eval_freshness_seconds{part=\"total\",quantile=\"0.95\"}"),
                "freshness quantiles on /q/metrics");
        assertTrue(metrics.lines().anyMatch(line -> line.startsWith("distill_eval_serving_example_age_seconds ")
                && Double.parseDouble(line.split(" ")[1]) >= 40), "the serving student's example age");
    }

    /** A checkpoint whose producer did not say when its examples came serves, and has no freshness to report. */
    @Test
    void aCheckpointWithoutStreamTimesServesWithoutFreshness() {
        CheckpointEvent event = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, "run-" + UUID.randomUUID(), 1,
                72);
        send(event);
        awaitPromoted(event.checkpointId());
        List<String> reported = given().get("/promotions/freshness").then().statusCode(200).extract().jsonPath()
                .getList("promotions.checkpointId");
        assertFalse(reported.contains(event.checkpointId()), reported.toString());
    }

    @Test
    void aLimitOutOfRangeIsRefusedWithAReason() {
        given().get("/promotions/freshness?limit=0").then().statusCode(400).contentType("application/json")
                .body("error", containsString("limit must be between 1 and 10000, got 0"));
    }

    /** The freshness report once it lists the checkpoint (marking it serving follows the promotion). */
    private static JsonPath awaitFreshness(String checkpointId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonPath report = given().get("/promotions/freshness").then().statusCode(200).extract().jsonPath();
            if (report.getList("promotions.checkpointId").contains(checkpointId)) {
                return report;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no freshness reported for " + checkpointId + ": " + report.prettify());
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
    }

    /** JSON numbers read as floats here: 1e-3 s is what comparisons of them can hold. */
    private static double number(Map<String, Object> row, String field) {
        return ((Number) row.get(field)).doubleValue();
    }
}
