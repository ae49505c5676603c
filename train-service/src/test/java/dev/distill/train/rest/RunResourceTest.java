package dev.distill.train.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.train.TrainTestProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(TrainTestProfile.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class RunResourceTest {

    @Test
    void aRunIdWithAControlCharacterIsABadRequest() {
        given().urlEncodingEnabled(false).get("/runs/%00/checkpoints").then().statusCode(400)
                .contentType("application/json").body("error", containsString("control character"));
        given().urlEncodingEnabled(false).get("/runs/a%0Ab/checkpoints").then().statusCode(400);
    }

    @Test
    void anUnknownRunHasNoCheckpoints() {
        given().get("/runs/no-such-run/checkpoints").then().statusCode(200).body("size()",
                org.hamcrest.Matchers.equalTo(0));
    }
}
