package dev.distill.train.position;

import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.wire.CheckpointEvent;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The checkpoint a start continues its run from: the newest complete one in the checkpoint directory whose
 * parameters match their checksum (torn or corrupt ones are skipped with a warning).
 *
 * @param directory the checkpoint's directory
 * @param manifest  its manifest: run id, step, examples seen, stream position, run configuration
 */
public record ResumePoint(Path directory, CheckpointManifest manifest) {
    private static final Logger LOG = Logger.getLogger(ResumePoint.class);

    /** The newest valid checkpoint under {@code checkpointDir}; empty for a new run. */
    public static Optional<ResumePoint> newest(Path checkpointDir) {
        return Checkpoints.newestValid(checkpointDir, reason -> LOG.warnf("skipping checkpoint: %s", reason))
                .map(directory -> new ResumePoint(directory, Checkpoints.readManifest(directory)));
    }

    /**
     * The checkpoint's announcement, sent again after the start: the last start may have stopped between writing
     * the checkpoint and announcing it.
     */
    public CheckpointEvent announcement() {
        return manifest.announcement(directory);
    }
}
