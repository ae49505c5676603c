package dev.distill.train.position;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.checkpoint.CheckpointRetirement;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.testkit.TestCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start resumes from the newest checkpoint that keeps its weights: checkpoint retention (in eval-service, on the
 * same volume) may have retired newer ones, or be retiring one right now (its marker written, its weights not yet
 * gone), and neither is taken for a torn checkpoint or read half-deleted.
 */
@Tag("own-profile") // writes checkpoints with DJL's PyTorch, whose native library loads once per JVM
class ResumePointTest {
    @TempDir
    Path checkpoints;

    @Test
    void resumeSkipsRetiredCheckpointsAndOnesBeingRetired() throws IOException {
        CheckpointEvent kept = TestCheckpoints.write(checkpoints, "run-1", 1, 1);
        CheckpointEvent beingRetired = TestCheckpoints.write(checkpoints, "run-1", 2, 2);
        CheckpointEvent retired = TestCheckpoints.write(checkpoints, "run-1", 3, 3);
        CheckpointRetirement.retire(Path.of(retired.path()));
        // retirement writes its marker first, then removes the weights: caught between the two
        Files.writeString(Path.of(beingRetired.path()).resolve(CheckpointRetirement.MARKER), "now\n");
        assertTrue(Files.exists(Path.of(beingRetired.path()).resolve(Checkpoints.PARAMETERS)));

        ResumePoint resume = ResumePoint.newest(checkpoints).orElseThrow();
        assertEquals(kept.checkpointId(), resume.manifest().checkpointId());
        assertEquals(Path.of(kept.path()), resume.directory().toAbsolutePath());
    }
}
