package dev.distill.eval.rest;

import static io.restassured.RestAssured.given;

import dev.distill.eval.EvalTestProfile;
import dev.distill.testkit.EmbeddedStackResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /predict} is a read: with {@code distill.read-access=authenticated} it needs the credentials that GETs
 * need (in an application of its own, tag {@code own-profile}).
 */
@QuarkusTest
@Tag("own-profile")
@TestProfile(PredictAccessTest.ReadsAuthenticated.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class PredictAccessTest {

    /** {@link EvalTestProfile} with reads behind the API key. */
    public static class ReadsAuthenticated extends EvalTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("distill.read-access", "authenticated");
            return overrides;
        }
    }

    @Test
    void predictionsFollowTheReadAccessRule() {
        given().contentType("application/json").body("[\"a fine film\"]").post("/predict").then().statusCode(401);
        given().get("/leaderboard").then().statusCode(401);
        // with credentials the request gets through to the service: nothing is promoted in this application yet
        given().auth().preemptive().basic("distill", EmbeddedStackResource.API_KEY).contentType("application/json")
                .body("[\"a fine film\"]").post("/predict").then().statusCode(503);
    }
}
