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
import dev.distill.embedded.EmbeddedDatabase;
import dev.distill.embedded.EmbeddedStack;
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
 * train-service refuses soft labels from another teacher or another tokenizer than its run's: they go to the
 * dead-letter topic with the reason, and the student never trains on them.
 */
class SoftLabelProvenanceTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path WORK = PROJECT.resolve("distill-local/target/provenance-run");
    private static final Path TOKENIZER = PROJECT.resolve("data/vocab/tokenizer.json");
    private static final String TEACHER = "teacher-the-run-expects";

    @Test
    void batchesOfAnotherTeacherOrTokenizerAreRefusedNotTrainedOn() throws Exception {
        String tokenizer = Sha256.of(TOKENIZER);
        try (EmbeddedStack stack = EmbeddedStack.start(WORK.resolve("stack"), Topics.all(), 1);
                ServiceProcess train = ServiceProcess.start("train-service", PROJECT, ServiceProcess.freePort(),
                        Map.of("kafka.bootstrap.servers", stack.kafka().bootstrapServers(),
                                "quarkus.datasource.reactive.url", stack.database().reactiveUrl(),
                                "quarkus.datasource.username", EmbeddedDatabase.USER,
                                "quarkus.datasource.password", EmbeddedDatabase.PASSWORD,
                                "train.teacher-id", TEACHER,
                                "train.tokenizer", TOKENIZER.toString(),
                                "train.checkpoint-dir", WORK.resolve("checkpoints").toString(),
                                "train.student.hidden-size", "16",
                                "train.student.layers", "1"),
                        WORK.resolve("logs"), PROJECT.resolve("target/djl-cache"))) {
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                    Map.of("bootstrap.servers", stack.kafka().bootstrapServers()), new StringSerializer(),
                    new ByteArraySerializer())) {
                for (SoftLabelBatch batch : List.of(
                        batch("good-1", TEACHER, tokenizer, 3),
                        batch("other-teacher", "some-other-teacher", tokenizer, 5),
                        batch("other-tokenizer", TEACHER, "sha-of-another-tokenizer", 7),
                        batch("good-2", TEACHER, tokenizer, 2))) {
                    producer.send(new ProducerRecord<>(Topics.SOFT_LABELS, batch.batchId(),
                            WireCodec.encode(batch))).get();
                }
            }

            List<String> reasons = deadLetterReasons(stack, 2);
            assertTrue(reasons.get(0).contains("comes from teacher some-other-teacher, but this run trains on "
                    + "teacher " + TEACHER), reasons.get(0));
            assertTrue(reasons.get(1).contains("tokenized by the teacher with tokenizer sha-of-another-tokenizer"),
                    reasons.get(1));

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int seen = 0;
            while (seen < 5 && System.nanoTime() < deadline) {
                ServiceProcess.sleep(500);
                List<Integer> runs = given().baseUri(train.url()).get("/runs").then().extract().path("examplesSeen");
                seen = runs.isEmpty() ? 0 : runs.get(0);
            }
            given().baseUri(train.url()).get("/runs").then()
                    .statusCode(200)
                    .body("[0].examplesSeen", equalTo(5))
                    .body("[0].steps", equalTo(2));
        }
    }

    private static SoftLabelBatch batch(String id, String teacher, String tokenizer, int size) {
        List<SoftLabel> labels = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            labels.add(new SoftLabel(id + "-" + i, "an example sentence number " + i, i % 2,
                    new float[] {0.5f, -0.5f}));
        }
        return new SoftLabelBatch(id, teacher, tokenizer, 2f, labels);
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
