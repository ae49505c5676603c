package dev.distill.eval;

import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.Map;

/**
 * eval-service on a 16-sentence held-out set, reading checkpoints from {@link #CHECKPOINT_DIR}, promoting every
 * scored checkpoint (a negative margin), so that tests can build a promotion history with untrained checkpoints;
 * checkpoint retention off, so that every checkpoint a test made stays (CheckpointRetentionTest turns it on).
 */
public class EvalTestProfile implements QuarkusTestProfile {
    public static final Path CHECKPOINT_DIR = Path.of("target/test-checkpoints").toAbsolutePath();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "eval.eval-file", TestCheckpoints.SST2_DEV.toString(),
                "eval.eval-limit", "16",
                "eval.tokenizer", TestCheckpoints.TOKENIZER.toString(),
                "eval.checkpoint-dir", CHECKPOINT_DIR.toString(),
                "eval.promotion-margin", "-1",
                "eval.retention.enabled", "false");
    }
}
