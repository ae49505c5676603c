package dev.distill.eval.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.PromotionEvent;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.eval.EvalTestProfile;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.KafkaTopics;
import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(EvalTestProfile.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class PromotionResourceTest {

    /**
     * Rollbacks restore earlier promotions until one stands; rolling that back is refused with 409 and a reason, a
     * student keeps serving, and no event announces that none does.
     */
    @Test
    void rollingBackPastTheFirstPromotionIsRefused() {
        String run = "run-" + UUID.randomUUID();
        for (int step = 1; step <= 2; step++) {
            CheckpointEvent event = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, run, step, 10 + step);
            KafkaTopics.send(Topics.CHECKPOINTS, event.checkpointId(), WireCodec.encode(event));
            awaitPromoted(event.checkpointId());
        }
        List<String> restored = new ArrayList<>();
        Response answer = rollback();
        while (answer.statusCode() == 200) {
            restored.add(answer.jsonPath().getString("checkpointId"));
            answer = rollback();
        }
        assertTrue(restored.size() >= 1, "the second of two promotions can be rolled back");
        assertEquals(409, answer.statusCode());
        answer.then().contentType("application/json")
                .body("error", containsString("would leave no student serving"));
        given().get("/promotions/current").then().statusCode(200).body("checkpointId", notNullValue());

        List<PromotionEvent> events = KafkaTopics.readUntil(Topics.PROMOTIONS,
                        records -> records.stream().filter(r -> r.value() != null).count() >= restored.size() + 2,
                        Duration.ofSeconds(30)).stream()
                .map(record -> WireCodec.decode(record.value(), PromotionEvent.class)).toList();
        for (PromotionEvent event : events) {
            assertNotNull(event.checkpointId(), "every promotion event names the serving checkpoint: " + event);
        }
    }

    @Test
    void malformedBasicCredentialsAreUnauthorisedNotAServerError() {
        for (String header : List.of("Basic !!!", "Basic bm8tY29sb24=", "basic %%%")) {
            given().header("Authorization", header).get("/q/health").then().statusCode(401)
                    .contentType("application/json").body("error", containsString("Basic"));
            given().header("Authorization", header).post("/promotions/rollback").then().statusCode(401);
        }
    }

    private static Response rollback() {
        return given().auth().preemptive().basic("distill", EmbeddedStackResource.API_KEY)
                .post("/promotions/rollback");
    }

    private static void awaitPromoted(String checkpointId) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            Response current = given().get("/promotions/current");
            if (current.statusCode() == 200 && checkpointId.equals(current.jsonPath().getString("checkpointId"))) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("checkpoint " + checkpointId + " was not promoted within 2 minutes");
    }
}
