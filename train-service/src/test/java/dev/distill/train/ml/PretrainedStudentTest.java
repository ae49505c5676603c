package dev.distill.train.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.KafkaTopics;
import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * train-service starting its student from a pretrained encoder's layers: all-MiniLM-L6-v2's 6 layers give a 2-layer
 * student every 3rd layer, its width and heads, its feed-forward blocks narrowed from 1536 to 1024 neurons, and the
 * run config records where the weights came from.
 */
@QuarkusTest
@Tag("own-profile") // a Quarkus application of its own: a JVM of its own (see the pom)
@TestProfile(PretrainedStudentTest.Profile.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class PretrainedStudentTest {
    private static final Path CHECKPOINTS = Path.of("target/pretrained-student", UUID.randomUUID().toString())
            .toAbsolutePath();

    /** The student of this test. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "train.init-from", "pretrained:all-minilm-l6-v2",
                    "train.student.layers", "2",
                    "train.student.intermediate-size", "1024",
                    "train.student.max-length", "32",
                    "train.labels", "negative,positive",
                    "train.tokenizer", TestCheckpoints.TOKENIZER.toString(),
                    "train.checkpoint-dir", CHECKPOINTS.toString(),
                    "train.checkpoint-when-idle", "PT1S");
        }
    }

    @Test
    void theStudentStartsFromEveryThirdMiniLmLayer() throws Exception {
        SoftLabelBatch batch = new SoftLabelBatch("pretrained-" + UUID.randomUUID(), "teacher",
                Sha256.of(TestCheckpoints.TOKENIZER), 2f, null,
                List.of(new SoftLabel("p-1", "a gripping , funny film", 1, new float[] {-1f, 2f}),
                        new SoftLabel("p-2", "dull and lifeless", 0, new float[] {1.5f, -1f})),
                List.of("negative", "positive"));
        KafkaTopics.send(Topics.SOFT_LABELS, batch.batchId(), WireCodec.encode(batch));
        Path checkpoint = awaitCheckpoint();
        CheckpointManifest manifest = Checkpoints.readManifest(checkpoint);
        assertEquals(384, manifest.model().hiddenSize());
        assertEquals(12, manifest.model().heads());
        assertEquals(2, manifest.model().layers());
        assertEquals(1024, manifest.model().intermediateSize());
        assertEquals(List.of("negative", "positive"), manifest.model().labels());
        assertEquals("pretrained:all-minilm-l6-v2", manifest.runConfig().get("train.init-from"));
        assertEquals("3", manifest.runConfig().get("train.init-layer-stride"));
    }

    private static Path awaitCheckpoint() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Path> newest = Checkpoints.newestValid(CHECKPOINTS, reason -> { });
            if (newest.isPresent()) {
                return newest.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no checkpoint in " + CHECKPOINTS + " within 2 minutes");
    }
}
