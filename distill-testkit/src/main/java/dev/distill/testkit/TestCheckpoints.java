package dev.distill.testkit;

import ai.djl.Device;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.CheckpointEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;

/** Real, small, untrained student checkpoints for tests of the services that read them. */
public final class TestCheckpoints {
    /** The repository's tokenizer, from a module directory (where Maven runs a module's tests). */
    public static final Path TOKENIZER = Path.of("../data/vocab/tokenizer.json");
    /** SST-2 dev, from a module directory. */
    public static final Path SST2_DEV = Path.of("../data/sst2/dev.tsv");

    private TestCheckpoints() {
    }

    /**
     * Writes a checkpoint of a 1-layer, 16-wide two-class student with weights drawn from {@code seed} under
     * {@code root} and returns the event train-service would publish for it.
     */
    public static CheckpointEvent write(Path root, String runId, long step, int seed) {
        return write(root, runId, step, seed, ModelConfig.numberedLabels(2));
    }

    /** The same with the classes named {@code labels}. */
    public static CheckpointEvent write(Path root, String runId, long step, int seed, List<String> labels) {
        return write(root, runId, step, seed, labels, null);
    }

    /** A two-class one whose manifest says when its newest example entered the stream and was labelled. */
    public static CheckpointEvent write(Path root, String runId, long step, int seed,
            CheckpointManifest.StreamTimes streamTimes) {
        return write(root, runId, step, seed, ModelConfig.numberedLabels(2), streamTimes);
    }

    private static CheckpointEvent write(Path root, String runId, long step, int seed, List<String> labels,
            CheckpointManifest.StreamTimes streamTimes) {
        ModelConfig model = new ModelConfig(30522, 16, 1, 2, 32, 2).withLabels(labels);
        TrainingSettings settings = TrainingSettings.constantRate(0.5f, 2f, 1e-3f, seed);
        String checkpointId = UUID.randomUUID().toString();
        try (DistillationTrainer trainer = new DistillationTrainer(model, settings, TOKENIZER, Device.cpu())) {
            CheckpointManifest manifest = new CheckpointManifest(Checkpoints.FORMAT_VERSION, checkpointId, runId, step,
                    step * 32, Instant.now().toString(), model, new TreeMap<>(settings.asRunConfig()), null, 0.5,
                    null, new TreeMap<>(), streamTimes);
            return manifest.announcement(trainer.checkpoint(root, manifest));
        }
    }
}
