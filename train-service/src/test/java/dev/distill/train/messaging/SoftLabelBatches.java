package dev.distill.train.messaging;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.distill.core.Sha256;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.testkit.KafkaTopics;
import dev.distill.testkit.TestCheckpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Soft-label batches for train-service's tests: made, sent, refused and trained on. */
final class SoftLabelBatches {
    private SoftLabelBatches() {
    }

    /** sha-256 of the tokenizer the test runs use, as a teacher of the same tokenizer stamps its batches. */
    static String tokenizerId() {
        try {
            return Sha256.of(TestCheckpoints.TOKENIZER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A batch of {@code size} labels; with {@code hiddenLayers}, each label carries an 8-wide state per layer. */
    static SoftLabelBatch batch(String id, String teacher, String tokenizer, int size, int[] hiddenLayers) {
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

    static void send(SoftLabelBatch... batches) {
        for (SoftLabelBatch batch : batches) {
            KafkaTopics.send(Topics.SOFT_LABELS, batch.batchId(), WireCodec.encode(batch));
        }
    }

    /** The dead-letter reasons of these batches, in the order given, waiting up to a minute for them. */
    static List<String> deadLetterReasons(SoftLabelBatch... batches) {
        List<String> ids = Stream.of(batches).map(SoftLabelBatch::batchId).toList();
        List<ConsumerRecord<String, byte[]>> dead = KafkaTopics.readKeys(Topics.deadLetter(Topics.SOFT_LABELS),
                Set.copyOf(ids), Duration.ofSeconds(60));
        return ids.stream().map(id -> dead.stream().filter(record -> record.key().equals(id)).findFirst()
                .map(KafkaTopics::deadLetterReason).orElse("(not dead-lettered)")).toList();
    }

    /** Waits until the run has trained on {@code examples} examples, then checks it took exactly {@code steps}. */
    static void awaitTrained(int examples, int steps) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline
                && given().get("/runs/current").then().extract().<Integer>path("examplesSeen") < examples) {
            Thread.sleep(200);
        }
        given().get("/runs/current").then().statusCode(200)
                .body("examplesSeen", equalTo(examples))
                .body("steps", equalTo(steps));
    }
}
