package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.Directories;
import dev.distill.core.Sha256;
import dev.distill.core.export.StudentExport;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.OnnxPrecision;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import dev.distill.local.testkit.BrokenOnnxModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged label-service with a TorchScript or an ONNX teacher, the ways users bring a fine-tuned Hugging Face
 * model, and start-up refusing models that break the teacher contract with a message that says what was expected.
 */
class ExportedTeacherServiceTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path FIXTURES = PROJECT.resolve("distill-core/src/test/resources/torchscript");
    private static final Path WORK = PROJECT.resolve("distill-local/target/exported-teacher-run");
    private static final Path TOKENIZER = PROJECT.resolve("data/vocab/tokenizer.json");

    private static EmbeddedStack stack;
    /** The last soft-label batch read from Kafka. */
    private static SoftLabelBatch lastBatch;

    @BeforeAll
    static void startStack() {
        Directories.delete(WORK);
        stack = EmbeddedStack.start(WORK.resolve("stack"), Topics.all(), 1);
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void labelsABatchWithTheTorchScriptTeacher() throws IOException {
        Path teacher = FIXTURES.resolve("tiny-teacher.pt");
        try (ServiceProcess label = startLabelService(teacher)) {
            List<SoftLabel> labelled = labelTwoExamples(label, "a", "b");
            assertEquals(List.of("a", "b"), labelled.stream().map(SoftLabel::exampleId).sorted().toList());
            SoftLabel first = labelled.stream().filter(l -> l.exampleId().equals("a")).findFirst().orElseThrow();
            assertEquals(1, first.label());
            assertEquals(2, first.logits().length);
            // Logits PyTorch computed for this sentence when the fixture was exported (tiny-teacher.golden.json).
            assertEquals(-1.0936381f, first.logits()[0], 1e-4f);
            assertEquals(-1.6751738f, first.logits()[1], 1e-4f);
            assertEquals(Sha256.of(teacher), lastBatch.teacherId());
        }
    }

    /** An ONNX teacher exported from a checkpoint labels as the checkpoint itself predicts. */
    @Test
    void labelsABatchWithAnOnnxTeacher() throws IOException, TranslateException {
        Path checkpoint = OfflineTraining.untrained("onnx-teacher", new ModelConfig(30522, 32, 2, 4, 64, 2),
                TOKENIZER, WORK.resolve("teachers"));
        Path teacher = WORK.resolve("teachers/teacher.onnx");
        StudentExport.export(checkpoint, TOKENIZER, null, Map.of(OnnxPrecision.FP32, teacher));
        float[][] expected;
        try (TextClassifier original = TextClassifier.load(checkpoint, TOKENIZER, Device.cpu());
                Predictor<List<String>, float[][]> predictor = original.newPredictor()) {
            expected = predictor.predict(List.of("this movie is great"));
        }
        try (ServiceProcess label = startLabelService(teacher)) {
            List<SoftLabel> labelled = labelTwoExamples(label, "onnx-a", "onnx-b");
            SoftLabel first = labelled.stream().filter(l -> l.exampleId().equals("onnx-a")).findFirst().orElseThrow();
            assertArrayEquals(expected[0], first.logits(), 1e-4f);
            assertEquals(Sha256.of(teacher), lastBatch.teacherId());
        }
    }

    @Test
    void wrongOnnxModelStopsStartUpAndSaysWhatWasExpected() throws IOException {
        IllegalStateException inputs = assertThrows(IllegalStateException.class, () -> startLabelService(
                BrokenOnnxModels.wrongInputs(WORK.resolve("broken/wrong-inputs.onnx"))).close());
        assertTrue(inputs.getMessage().contains("takes inputs [text]; expected input_ids and attention_mask, and "
                + "optionally token_type_ids"), inputs.getMessage());
        IllegalStateException outputs = assertThrows(IllegalStateException.class, () -> startLabelService(
                BrokenOnnxModels.wrongOutputs(WORK.resolve("broken/wrong-outputs.onnx"))).close());
        assertTrue(outputs.getMessage().contains("expected logits as one float tensor [batch, classes]"),
                outputs.getMessage());
    }

    @Test
    void wrongTorchScriptModelStopsStartUpAndSaysWhatWasExpected() {
        IllegalStateException inputs = assertThrows(IllegalStateException.class,
                () -> startLabelService(FIXTURES.resolve("wrong-inputs.pt")).close());
        assertTrue(inputs.getMessage().contains("expected forward(input_ids, attention_mask[, token_type_ids])"),
                inputs.getMessage());
        IllegalStateException outputs = assertThrows(IllegalStateException.class,
                () -> startLabelService(FIXTURES.resolve("wrong-outputs.pt")).close());
        assertTrue(outputs.getMessage().contains("expected logits as one float tensor [batch, classes]"),
                outputs.getMessage());
    }

    /** Posts two examples (the first labelled 1) and returns their soft labels. */
    private static List<SoftLabel> labelTwoExamples(ServiceProcess label, String first, String second) {
        given().baseUri(label.url()).header("Authorization", ServiceProcess.AUTHORIZATION)
                .contentType("application/x-ndjson")
                .body(("{\"id\": \"" + first + "\", \"text\": \"this movie is great\", \"label\": 1}\n"
                        + "{\"id\": \"" + second + "\", \"text\": \"terrible and boring\"}\n")
                        .getBytes(StandardCharsets.UTF_8))
                .post("/examples").then()
                .statusCode(202)
                .body("accepted", equalTo(2));
        return readSoftLabels(Set.of(first, second));
    }

    /** The soft labels of these examples, read from the start of the topic. */
    private static List<SoftLabel> readSoftLabels(Set<String> ids) {
        Map<String, Object> config = new HashMap<>(Map.of(
                "bootstrap.servers", stack.kafka().bootstrapServers(),
                "group.id", "exported-teacher-test-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest"));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.SOFT_LABELS));
            List<SoftLabel> labels = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (labels.size() < ids.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    SoftLabelBatch batch = SoftLabelCodec.decode(record.value());
                    if (batch.labels().stream().anyMatch(label -> ids.contains(label.exampleId()))) {
                        lastBatch = batch;
                        batch.labels().stream().filter(label -> ids.contains(label.exampleId())).forEach(labels::add);
                    }
                }
            }
            assertEquals(ids.size(), labels.size(), "soft labels read from " + Topics.SOFT_LABELS);
            return labels;
        }
    }

    private static ServiceProcess startLabelService(Path teacher) {
        return ServiceProcess.start(ServiceSettings.label(stack.kafka().bootstrapServers()).teacher(teacher)
                .encoding("fp32").tokenizer(TOKENIZER), PROJECT, WORK.resolve("logs"));
    }
}
