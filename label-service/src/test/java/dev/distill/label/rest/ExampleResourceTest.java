package dev.distill.label.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.label.LabelTestProfile;
import dev.distill.testkit.EmbeddedStackResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(LabelTestProfile.class)
@QuarkusTestResource(value = EmbeddedStackResource.class, initArgs = @io.quarkus.test.common.ResourceArg(
        name = "database", value = "false"))
class ExampleResourceTest {

    @Test
    void aWellFormedRequestIsAccepted() {
        post("application/json", "[{\"id\": \"ok-1\", \"text\": \"a fine film\", \"label\": 1}]")
                .then().statusCode(202).body("accepted", equalTo(1));
    }

    /** The tiny teacher's classes are known by index only ("0", "1"): a label is one of them, or refused. */
    @Test
    void aLabelMustBeOneOfTheTeachersClasses() {
        post("application/json", "[{\"text\": \"a\", \"label\": 1}, {\"text\": \"b\", \"label\": \"0\"}]")
                .then().statusCode(202);
        post("application/json", "[{\"text\": \"a\", \"label\": \"sports\"}]").then().statusCode(400)
                .body("error", equalTo("example 0: label \"sports\" is not one of [0, 1] (give a class name, or its "
                        + "index below 2)"));
        post("application/json", "[{\"text\": \"a\", \"label\": 2}]").then().statusCode(400)
                .body("error", containsString("label \"2\" is not one of [0, 1]"));
    }

    @Test
    void contentAfterTheJsonIsRefusedNotDropped() {
        post("application/json", "[{\"text\": \"a\"}] garbage").then().statusCode(400)
                .body("error", containsString("Unrecognized token 'garbage'"));
        post("application/json", "[{\"text\": \"a\"}][{\"text\": \"b\"}]").then().statusCode(400)
                .body("error", containsString("content after its JSON value"));
        post("application/x-ndjson", "{\"text\": \"a\"}\n{\"text\": \"b\"} {\"text\": \"c\"}\n").then()
                .statusCode(400).body("error", containsString("line 2 has content after its JSON value"));
    }

    @Test
    void anIdRepeatedWithinARequestIsRefused() {
        post("application/json", "[{\"id\": \"d\", \"text\": \"a\"}, {\"id\": \"e\", \"text\": \"b\"}, "
                + "{\"id\": \"d\", \"text\": \"c\"}]").then().statusCode(400)
                .body("error", equalTo("example 2: id \"d\" repeats example 0's; ids must be unique within a request"));
    }

    /** 600 texts of 20,000 characters are within label.max-text-chars but over the 10 MB body limit. */
    @Test
    void aBodyOverTheSizeLimitGetsAJsonReason() {
        String text = "x".repeat(20_000);
        String body = "[" + String.join(",", Collections.nCopies(600, "{\"text\": \"" + text + "\"}")) + "]";
        post("application/json", body).then().statusCode(413).contentType("application/json")
                .body("error", containsString("quarkus.http.limits.max-body-size"));
    }

    /** The same body sent in chunks, without a Content-Length to refuse it by up front. */
    @Test
    void aChunkedBodyOverTheSizeLimitGetsAJsonReason() throws Exception {
        HttpResponse<String> response = postChunked("[" + String.join(",", Collections.nCopies(600,
                "{\"text\": \"" + "x".repeat(20_000) + "\"}")) + "]");
        assertEquals(413, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(null));
        assertTrue(response.body().contains("quarkus.http.limits.max-body-size"), response.body());
    }

    @Test
    void aChunkedBodyWithinTheLimitIsRead() throws Exception {
        HttpResponse<String> response = postChunked("[{\"id\": \"chunked-1\", \"text\": \"a fine film\"}, "
                + "{\"id\": \"chunked-2\", \"text\": \"" + "y".repeat(15_000) + "\"}]");
        assertEquals(202, response.statusCode(), response.body());
        assertTrue(response.body().contains("\"accepted\":2"), response.body());
    }

    /** Posts the body as a stream of unknown length, which goes out in chunks. */
    private static HttpResponse<String> postChunked(String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                        + "/examples"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("distill:"
                        + EmbeddedStackResource.API_KEY).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                .build();
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void malformedBasicCredentialsAreUnauthorisedNotAServerError() {
        given().header("Authorization", "Basic !!!").get("/q/health").then().statusCode(401)
                .body("error", containsString("Basic"));
        given().header("Authorization", "Basic !!!").contentType("application/json").body("[{\"text\": \"a\"}]")
                .post("/examples").then().statusCode(401);
    }

    private static io.restassured.response.Response post(String contentType, String body) {
        RequestSpecification request = given().body(body.getBytes(StandardCharsets.UTF_8)).auth().preemptive().basic("distill", EmbeddedStackResource.API_KEY)
                .contentType(contentType);
        return request.post("/examples");
    }
}
