package dev.distill.train.ml;

import dev.distill.core.checkpoint.CheckpointException;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.ParameterSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Writes checkpoints one at a time, in order, on a thread of its own (off the model's thread, so training goes on),
 * each retried until the disk takes it: a checkpoint is never skipped, so its ledger and stream position stay in the
 * chain, and training stalls at the next checkpoint instead.
 */
final class CheckpointWriter {
    private static final Logger LOG = Logger.getLogger(CheckpointWriter.class);

    private final Path checkpointDir;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            work -> new Thread(work, "checkpoint-writer"));

    CheckpointWriter(Path checkpointDir) {
        this.checkpointDir = checkpointDir;
    }

    /** Writes the snapshot (and closes it) after the checkpoints queued before it; completes with its directory. */
    CompletableFuture<Path> write(ParameterSnapshot parameters, CheckpointManifest manifest, List<String> applied) {
        return CompletableFuture.supplyAsync(() -> writeUntilTaken(parameters, manifest, applied), thread);
    }

    /** Lets the checkpoints queued finish, for at most {@code wait}, then stops. */
    void close(Duration wait) throws InterruptedException {
        thread.shutdown();
        if (!thread.awaitTermination(wait.toSeconds(), TimeUnit.SECONDS)) {
            LOG.warnf("a checkpoint was still being written after %s; stopped (the run resumes from the one before)",
                    wait);
            thread.shutdownNow();
        }
    }

    private Path writeUntilTaken(ParameterSnapshot parameters, CheckpointManifest manifest, List<String> applied) {
        try (parameters) {
            for (long backOff = 500; ; backOff = Math.min(10_000, 2 * backOff)) {
                long started = System.nanoTime();
                try {
                    Path directory = parameters.writeCheckpoint(checkpointDir, manifest, applied).toAbsolutePath();
                    LOG.infof("checkpoint %s at step %d (%d examples, mean loss %.4f), written in %d ms", directory,
                            manifest.step(), manifest.examplesSeen(), manifest.trainLoss(),
                            (System.nanoTime() - started) / 1_000_000);
                    return directory;
                } catch (CheckpointException e) {
                    LOG.warnf("checkpoint at step %d not written, retrying in %d ms: %s", manifest.step(), backOff,
                            e.getMessage());
                    Thread.sleep(backOff);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("checkpoint at step " + manifest.step() + " not written: stopped", e);
        }
    }
}
