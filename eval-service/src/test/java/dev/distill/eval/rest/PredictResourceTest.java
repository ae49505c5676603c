package dev.distill.eval.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.eval.EvalServiceState;
import dev.distill.eval.EvalTestProfile;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /predict} in an application of its own (tag {@code own-profile}), so that it starts with nothing
 * promoted. Requests carry no credentials: predictions are reads ({@code distill.read-access}, open by default).
 */
@QuarkusTest
@Tag("own-profile")
@TestProfile(EvalTestProfile.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class PredictResourceTest {
    private static final List<String> TEXTS = List.of("a gripping , funny film .", "dull and lifeless .",
            "the acting is wooden and the plot goes nowhere .");
    private static final int CLIENTS = 4;

    @Test
    void thePromotedStudentAnswersAndAPromotionSwitchesItWithoutAFailedRequest() throws Exception {
        given().contentType("application/json").body("[\"a fine film\"]").post("/predict").then().statusCode(503)
                .body("error", containsString("no checkpoint is promoted yet"));

        CheckpointEvent first = EvalServiceState.promoteNew(11);
        assertAnswersLike(first, post(TEXTS));

        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<List<String>>> answeredBy = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            answeredBy.add(clients.submit(() -> {
                List<String> checkpoints = new ArrayList<>();
                while (!stop.get()) {
                    Response answer = post(TEXTS);
                    assertEquals(200, answer.statusCode(), answer.asString());
                    checkpoints.add(answer.jsonPath().getString("checkpointId"));
                }
                return checkpoints;
            }));
        }
        CheckpointEvent second;
        try {
            second = EvalServiceState.promoteNew(12);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!second.checkpointId().equals(post(TEXTS).jsonPath().getString("checkpointId"))) {
                assertTrue(System.nanoTime() < deadline, "the second promotion never answered /predict");
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
            // a while longer under load after the switch
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        } finally {
            stop.set(true);
            clients.shutdown();
        }
        int answered = 0;
        for (Future<List<String>> client : answeredBy) {
            List<String> checkpoints = client.get();
            answered += checkpoints.size();
            int switched = checkpoints.indexOf(second.checkpointId());
            assertTrue(checkpoints.subList(0, switched < 0 ? checkpoints.size() : switched).stream()
                    .allMatch(first.checkpointId()::equals), "first student, then the second: " + checkpoints);
            if (switched >= 0) {
                assertFalse(checkpoints.subList(switched, checkpoints.size()).contains(first.checkpointId()),
                        "never back to the first after the switch: " + checkpoints);
            }
        }
        assertTrue(answered > CLIENTS, "requests answered during the switch: " + answered);
        assertAnswersLike(second, post(TEXTS));
    }

    @Test
    void malformedRequestsAreRefusedWithAReason() {
        Map<String, String> refused = Map.of(
                "", "the request body is empty",
                "not json", "line 1 is not valid JSON",
                "[1, 2]", "text 0 must be a string or {\"text\": a string}",
                "[{\"label\": \"x\"}]", "text 0 must be a string",
                "[\"fine\", \" \"]", "text 1 is empty",
                "[\"fine\"] [\"again\"]", "has content after its JSON value",
                "[\"" + "a".repeat(20001) + "\"]", "text 0 has 20001 characters, the limit is 20000",
                "[" + String.join(",", Collections.nCopies(1001, "\"a\"")) + "]",
                "the request holds 1001 texts, the limit is 1000",
                "[]", "the request holds no texts");
        refused.forEach((body, reason) -> given().contentType("application/json").body(body).post("/predict")
                .then().statusCode(400).contentType("application/json").body("error", containsString(reason)));
        given().contentType("application/json").body(new byte[] {'[', '"', (byte) 0xC3, '"', ']'}).post("/predict")
                .then().statusCode(400).body("error", containsString("not valid UTF-8"));
        given().contentType("application/xml").body("<texts/>").post("/predict").then().statusCode(415)
                .contentType("application/json");
        given().contentType("application/x-ndjson").body("\"one\"\n{\"text\": \"two\"}\n[]"
                        .getBytes(StandardCharsets.UTF_8)).post("/predict")
                .then().statusCode(400).body("error", containsString("text 2 must be a string"));
    }

    private static Response post(List<String> texts) {
        return given().contentType("application/json").body(texts).post("/predict");
    }

    /** Once the student is loaded, the answer is the checkpoint's own: its class and softmax, text by text. */
    @SuppressWarnings("unchecked")
    private static void assertAnswersLike(CheckpointEvent checkpoint, Response ignoredWhileLoading) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        JsonPath answer = ignoredWhileLoading.then().statusCode(200).extract().jsonPath();
        while (!checkpoint.checkpointId().equals(answer.getString("checkpointId"))) {
            assertTrue(System.nanoTime() < deadline, "checkpoint " + checkpoint.checkpointId() + " never answered");
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            answer = post(TEXTS).then().statusCode(200).extract().jsonPath();
        }
        float[][] logits;
        try (TextClassifier model = TextClassifier.load(Path.of(checkpoint.path()), TestCheckpoints.TOKENIZER,
                Device.cpu()); Predictor<List<String>, float[][]> predictor = model.newPredictor()) {
            logits = predictor.predict(TEXTS);
        }
        List<Map<String, Object>> predictions = answer.getList("predictions");
        assertEquals(TEXTS.size(), predictions.size());
        for (int i = 0; i < TEXTS.size(); i++) {
            Map<String, Number> probabilities = (Map<String, Number>) predictions.get(i).get("probabilities");
            assertEquals(List.of("0", "1"), new ArrayList<>(probabilities.keySet()));
            double expected = 1 / (1 + Math.exp(logits[i][0] - logits[i][1]));
            assertEquals(expected, probabilities.get("1").doubleValue(), 1e-4, TEXTS.get(i));
            assertEquals(1, probabilities.get("0").doubleValue() + probabilities.get("1").doubleValue(), 1e-6);
            assertEquals(logits[i][1] > logits[i][0] ? "1" : "0", predictions.get(i).get("label"), TEXTS.get(i));
        }
    }
}
