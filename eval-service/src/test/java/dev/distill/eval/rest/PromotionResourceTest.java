package dev.distill.eval.rest;

import static dev.distill.eval.EvalServiceState.awaitPromoted;
import static dev.distill.eval.EvalServiceState.send;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.onnx.OnnxModels;
import dev.distill.core.onnx.proto.Onnx;
import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.PromotionEvent;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.eval.EvalServiceState;
import dev.distill.eval.EvalTestProfile;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.KafkaTopics;
import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
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
            send(event);
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

    /** The promoted student downloads as an ONNX model (float and int8) and as a zipped Hugging Face directory. */
    @Test
    void thePromotedStudentDownloadsAsOnnxAndAsAHuggingFaceDirectory() throws Exception {
        EvalServiceState.promoteNew(21);

        byte[] onnx = given().get("/promotions/current/student.onnx").then().statusCode(200)
                .header("Content-Disposition", containsString("student.onnx")).extract().asByteArray();
        Onnx.ModelProto model = OnnxModels.read(new ByteArrayInputStream(onnx));
        assertEquals(List.of("logits"), model.getGraph().getOutputList().stream()
                .map(Onnx.ValueInfoProto::getName).toList());
        byte[] int8 = given().get("/promotions/current/student.int8.onnx").then().statusCode(200)
                .header("Content-Disposition", containsString("student.int8.onnx")).extract().asByteArray();
        Onnx.ModelProto quantized = OnnxModels.read(new ByteArrayInputStream(int8));
        assertTrue(quantized.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("MatMulInteger")),
                "the int8 download has integer matrix products");
        assertEquals(model.getGraph().getInputList(), quantized.getGraph().getInputList());

        byte[] zip = given().get("/promotions/current/student.zip").then().statusCode(200).extract().asByteArray();
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                entries.put(entry.getName(), in.readAllBytes());
            }
        }
        assertEquals(Set.of("student/config.json", "student/model.safetensors", "student/tokenizer.json",
                "student/tokenizer_config.json", "student/special_tokens_map.json", "student/vocab.txt"),
                entries.keySet());
        JsonNode config = new ObjectMapper().readTree(entries.get("student/config.json"));
        assertEquals("BertForSequenceClassification", config.get("architectures").get(0).asText());
        assertEquals(2, config.get("id2label").size());
    }

    /** Downloads at the same time cost one export; later ones read its file (distill_eval_student_exports_total). */
    @Test
    void concurrentDownloadsOfThePromotedStudentCostOneExport() throws Exception {
        EvalServiceState.promoteNew(22);
        double before = exports("student.int8.onnx");
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<byte[]>> downloads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                downloads.add(clients.submit(() -> given().get("/promotions/current/student.int8.onnx").then()
                        .statusCode(200).extract().asByteArray()));
            }
            byte[] first = downloads.get(0).get();
            for (Future<byte[]> download : downloads) {
                assertArrayEquals(first, download.get(), "every download gets the same model");
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(before + 1, exports("student.int8.onnx"), "eight downloads at once, one export");
        given().get("/promotions/current/student.int8.onnx").then().statusCode(200);
        assertEquals(before + 1, exports("student.int8.onnx"), "a later download reads the exported file");
    }

    /** A method the path does not take gets 405, not an authentication challenge. */
    @Test
    void aGetOfPredictIsAMethodNotAllowed() {
        given().get("/predict").then().statusCode(405);
    }

    /** {@code distill_eval_student_exports_total} for the file, 0 before the first export. */
    private static double exports(String file) {
        String name = MetricNames.prometheus(MetricNames.EVAL_STUDENT_EXPORTS, "_total");
        return given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(line -> line.startsWith(name + "{") && line.contains("file=\"" + file + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(0);
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

}
