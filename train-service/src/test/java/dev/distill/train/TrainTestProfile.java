package dev.distill.train;

import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/** train-service with a 1-layer, 16-wide student and a fresh checkpoint directory per test JVM. */
public class TrainTestProfile implements QuarkusTestProfile {
    public static final Path CHECKPOINT_DIR = Path.of("target/test-checkpoints", UUID.randomUUID().toString())
            .toAbsolutePath();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "train.tokenizer", TestCheckpoints.TOKENIZER.toString(),
                "train.checkpoint-dir", CHECKPOINT_DIR.toString(),
                "train.checkpoint-when-idle", "PT1S",
                "train.student.hidden-size", "16",
                "train.student.layers", "1",
                "train.student.max-length", "32");
    }
}
