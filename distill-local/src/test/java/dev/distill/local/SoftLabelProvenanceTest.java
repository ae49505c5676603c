package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.Sha256;
import dev.distill.core.wire.Channels;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import dev.distill.local.launch.TrainServiceSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * train-service refuses soft labels it must not train on (another teacher, another tokenizer, missing teacher
 * states for the layer map): they go to the dead-letter topic with the reason, and the student never sees them.
 */
class SoftLabelProvenanceTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path TOKENIZER = PROJECT.resolve("data/vocab/tokenizer.json");
    private static final String TEACHER = "teacher-the-run-expects";

    @Test
    void batchesOfAnotherTeacherOrTokenizerAreRefusedNotTrainedOn() throws IOException {
        String tokenizer = Sha256.of(TOKENIZER);
        Path work = PROJECT.resolve("distill-local/target/provenance-run");
        LocalRun.deleteRecursively(work);
        try (EmbeddedStack stack = EmbeddedStack.start(work.resolve("stack"), Topics.all(), 1);
                ServiceProcess train = ServiceProcess.start(trainSettings(stack, work).teacherId(TEACHER), PROJECT,
                        work.resolve("logs"))) {
            produce(stack, batch("good-1", TEACHER, tokenizer, 3, null),
                    batch("other-teacher", "some-other-teacher", tokenizer, 5, null),
                    batch("other-tokenizer", TEACHER, "sha-of-another-tokenizer", 7, null),
                    batch("good-2", TEACHER, tokenizer, 2, null));

            List<String> reasons = deadLetterReasons(stack, 2);
            assertTrue(reasons.get(0).contains("comes from teacher some-other-teacher, but this run trains on "
                    + "teacher " + TEACHER), reasons.get(0));
            assertTrue(reasons.get(1).contains("tokenized by the teacher with tokenizer sha-of-another-tokenizer"),
                    reasons.get(1));
            awaitTrained(train, 5, 2);
        }
    }

    @Test
    void layerMapRunRefusesBatchesWithoutTheMappedTeacherStates() throws IOException {
        String tokenizer = Sha256.of(TOKENIZER);
        Path work = PROJECT.resolve("distill-local/target/layer-map-run");
        LocalRun.deleteRecursively(work);
        try (EmbeddedStack stack = EmbeddedStack.start(work.resolve("stack"), Topics.all(), 1);
                ServiceProcess train = ServiceProcess.start(trainSettings(stack, work).layerMap("1:2", 8), PROJECT,
                        work.resolve("logs"))) {
            produce(stack, batch("with-states", TEACHER, tokenizer, 4, new int[] {1, 2}),
                    batch("without-states", TEACHER, tokenizer, 6, null),
                    batch("with-states-2", TEACHER, tokenizer, 3, new int[] {2}));

            List<String> reasons = deadLetterReasons(stack, 1);
            assertTrue(reasons.get(0).contains("carries hidden states of teacher layers [] but the layer map needs "
                    + "layer 2"), reasons.get(0));
            awaitTrained(train, 7, 2);
        }
    }

    /** A batch of {@code size} labels; with {@code hiddenLayers}, each label carries an 8-wide state per layer. */
    private static SoftLabelBatch batch(String id, String teacher, String tokenizer, int size, int[] hiddenLayers) {
        List<SoftLabel> labels = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            float[][] hidden = null;
            if (hiddenLayers != null) {
                hidden = new float[hiddenLayers.length][8];
                for (float[] state : hidden) {
                    state[i % 8] = 1f;
                }
            }
            labels.add(new SoftLabel(id + "-" + i, "an example sentence number " + i, i % 2,
                    new float[] {0.5f, -0.5f}, hidden));
        }
        return new SoftLabelBatch(id, teacher, tokenizer, 2f, hiddenLayers, labels);
    }

    private static TrainServiceSettings trainSettings(EmbeddedStack stack, Path work) {
        return ServiceSettings.train(stack.kafka().bootstrapServers()).database(stack.database()).tokenizer(TOKENIZER)
                .checkpointDir(work.resolve("checkpoints")).student(16, 1);
    }

    private static void produce(EmbeddedStack stack, SoftLabelBatch... batches) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", stack.kafka().bootstrapServers()), new StringSerializer(),
                new ByteArraySerializer())) {
            for (SoftLabelBatch batch : batches) {
                producer.send(new ProducerRecord<>(Topics.SOFT_LABELS, batch.batchId(), WireCodec.encode(batch)));
            }
            producer.flush();
        }
    }

    /** Waits until the run has trained on {@code examples} examples, then checks it took exactly {@code steps}. */
    private static void awaitTrained(ServiceProcess train, int examples, int steps) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int seen = 0;
        while (seen < examples && System.nanoTime() < deadline) {
            ServiceProcess.sleep(500);
            List<Integer> runs = given().baseUri(train.url()).get("/runs").then().extract().path("examplesSeen");
            seen = runs.isEmpty() ? 0 : runs.get(0);
        }
        given().baseUri(train.url()).get("/runs").then()
                .statusCode(200)
                .body("[0].examplesSeen", equalTo(examples))
                .body("[0].steps", equalTo(steps));
    }

    private static List<String> deadLetterReasons(EmbeddedStack stack, int expected) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", stack.kafka().bootstrapServers(),
                "group.id", "provenance-test",
                "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.deadLetter(Topics.SOFT_LABELS)));
            List<String> reasons = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (reasons.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    var header = record.headers().lastHeader(Channels.DEAD_LETTER_REASON_HEADER);
                    reasons.add(header == null ? "(no reason header)"
                            : new String(header.value(), StandardCharsets.UTF_8));
                }
            }
            assertEquals(expected, reasons.size(), "dead letters: " + reasons);
            return reasons;
        }
    }
}
