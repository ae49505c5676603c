package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.Sha256;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedStack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The packaged label-service with a TorchScript teacher, the way users bring a fine-tuned Hugging Face model. */
class TorchScriptTeacherServiceTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path FIXTURES = PROJECT.resolve("distill-core/src/test/resources/torchscript");
    private static final Path WORK = PROJECT.resolve("distill-local/target/torchscript-run");

    private static EmbeddedStack stack;
    /** The last soft-label batch read from Kafka. */
    private static SoftLabelBatch lastBatch;

    @BeforeAll
    static void startStack() {
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
            given().baseUri(label.url()).header("Authorization", ServiceProcess.AUTHORIZATION)
                    .contentType("application/x-ndjson")
                    .body(("{\"id\": \"a\", \"text\": \"this movie is great\", \"label\": 1}\n"
                            + "{\"id\": \"b\", \"text\": \"terrible and boring\"}\n").getBytes(StandardCharsets.UTF_8))
                    .post("/examples").then()
                    .statusCode(202)
                    .body("accepted", equalTo(2));

            List<SoftLabel> labelled = readSoftLabels(2);
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

    private static List<SoftLabel> readSoftLabels(int expected) {
        Map<String, Object> config = new HashMap<>(Map.of(
                "bootstrap.servers", stack.kafka().bootstrapServers(),
                "group.id", "torchscript-test",
                "auto.offset.reset", "earliest"));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.SOFT_LABELS));
            List<SoftLabel> labels = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (labels.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    lastBatch = SoftLabelCodec.decode(record.value());
                    labels.addAll(lastBatch.labels());
                }
            }
            assertEquals(expected, labels.size(), "soft labels read from " + Topics.SOFT_LABELS);
            return labels;
        }
    }

    private static ServiceProcess startLabelService(Path teacher) {
        return ServiceProcess.start("label-service", PROJECT, ServiceProcess.freePort(), Map.of(
                "kafka.bootstrap.servers", stack.kafka().bootstrapServers(),
                "label.teacher", teacher.toString(),
                "label.encoding", "fp32",
                "label.tokenizer", PROJECT.resolve("data/vocab/tokenizer.json").toString()),
                WORK.resolve("logs"), PROJECT.resolve("target/djl-cache"));
    }
}
