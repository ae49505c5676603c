package dev.distill.core.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * Retiring a checkpoint that retention no longer keeps: its weights ({@link Checkpoints#PARAMETERS}, nearly all of
 * its bytes) are deleted; its manifest and its ledger of applied examples stay (a few dozen bytes per example), so
 * the run's lineage can still be followed back and audited example by example, and its score stays on the
 * leaderboard. A marker ({@link #MARKER}) is written first, so a retired checkpoint is never taken for a torn one;
 * then the weights leave in one atomic step, a rename out of the checkpoint's name before the delete: a reader finds
 * them whole or not at all, and is told the checkpoint was retired.
 */
public final class CheckpointRetirement {
    /** Written into a checkpoint before its weights go; it holds the time of the retirement. */
    public static final String MARKER = "retired.txt";
    private static final String LEAVING = ".retiring-" + Checkpoints.PARAMETERS;

    private CheckpointRetirement() {
    }

    /** Whether the checkpoint in the directory is retired (or being retired). */
    public static boolean retired(Path directory) {
        return Files.isRegularFile(directory.resolve(MARKER));
    }

    /**
     * Deletes the checkpoint's weights; nothing happens to a retired one.
     *
     * @return the bytes freed
     * @throws CheckpointException if the directory is no checkpoint or the weights cannot be removed
     */
    public static long retire(Path directory) {
        Checkpoints.readManifest(directory);
        Path weights = directory.resolve(Checkpoints.PARAMETERS);
        Path leaving = directory.resolve(LEAVING);
        try {
            if (!retired(directory)) {
                Files.writeString(directory.resolve(MARKER), Instant.now() + "\n", StandardCharsets.UTF_8);
            }
            if (Files.exists(weights)) {
                Files.move(weights, leaving, StandardCopyOption.ATOMIC_MOVE);
            }
            long freed = Files.exists(leaving) ? Files.size(leaving) : 0;
            Files.deleteIfExists(leaving);
            return freed;
        } catch (IOException e) {
            throw new CheckpointException("cannot retire checkpoint " + directory + ": " + e.getMessage(), e);
        }
    }

    /** What a reader of a retired checkpoint is told. */
    static CheckpointException retiredError(Path directory, CheckpointManifest manifest, Throwable cause) {
        return new CheckpointException("checkpoint " + manifest.checkpointId() + " in " + directory + " was retired: "
                + "checkpoint retention deleted its weights; its manifest and ledger remain", cause);
    }
}
