package dev.distill.local;

import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledText;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.EpochLoop;
import dev.distill.core.training.LayerMatching;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.function.Consumer;

/**
 * In-process training over a fixed data set with the same trainer train-service uses: the local run's teacher
 * (gold labels only, so no downloaded weights are needed) and the quality benchmark's models. Saves the result in
 * the checkpoint format label-service and eval-service load.
 */
public final class OfflineTraining {
    public static final int BATCH_SIZE = 32;
    /** What "auto" passes show a model at least: 500 updates, so that a small data set is not under-trained. */
    public static final int AUTO_EXAMPLES_SEEN = 16_000;

    private OfflineTraining() {
    }

    /** The fewest passes over {@code examples} examples that show a model at least {@link #AUTO_EXAMPLES_SEEN}. */
    public static int autoPasses(int examples) {
        return Math.max(1, (AUTO_EXAMPLES_SEEN + examples - 1) / Math.max(1, examples));
    }

    /** Gold labels only (alpha = 1): how a teacher is made from labelled data. */
    public static List<SoftLabel> goldOnly(List<LabeledText> rows) {
        List<SoftLabel> examples = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            examples.add(new SoftLabel("labelled-" + i, rows.get(i).text(), rows.get(i).label(), null));
        }
        return examples;
    }

    /** A checkpoint of freshly initialised weights: a model of a given size for throughput measurements. */
    public static Path untrained(String name, ModelConfig model, Path tokenizer, Path root) {
        TrainingSettings settings = TrainingSettings.constantRate(1f, 1f, 1e-3f, 42);
        try (DistillationTrainer trainer = new DistillationTrainer(model, settings, tokenizer, Devices.preferred())) {
            return trainer.checkpoint(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, name, "untrained", 0,
                    0, Instant.now().toString(), model, settings.asRunConfig(), null, 0));
        }
    }

    /** Trains for {@code epochs} epochs from random weights and writes the checkpoint {@code root/step-...-<name>}. */
    public static Path train(String name, List<SoftLabel> examples, ModelConfig model, TrainingSettings settings,
            int epochs, Path tokenizer, Path root, PrintStream out) {
        return train(name, examples, model, settings, epochs, tokenizer, root, out, null, trainer -> { });
    }

    /**
     * Trains for {@code epochs} epochs, the model first set up by {@code initialize} (e.g. from pretrained weights),
     * and writes the checkpoint {@code root/step-...-<name>}; prints progress with the time left.
     *
     * @param matching intermediate-layer distillation (every example then carries the matched teacher states), or
     *                 {@code null}
     */
    public static Path train(String name, List<SoftLabel> examples, ModelConfig model, TrainingSettings settings,
            int epochs, Path tokenizer, Path root, PrintStream out, LayerMatching matching,
            Consumer<DistillationTrainer> initialize) {
        long started = System.nanoTime();
        try (DistillationTrainer trainer = new DistillationTrainer(model, settings, tokenizer, Devices.preferred(),
                matching)) {
            initialize.accept(trainer);
            double loss = EpochLoop.run(trainer, examples, epochs, BATCH_SIZE, settings.seed(),
                    (epoch, of, step, total, epochLoss) -> {
                        if (step % 200 == 0 || step == total) {
                            double seconds = (System.nanoTime() - started) / 1e9;
                            long left = Math.round(seconds / step * (total - step));
                            out.printf("  %s: epoch %d/%d  step %d/%d  loss %.4f  (%.0f examples/s, %d:%02d left)%n",
                                    name, epoch, of, step, total, epochLoss, step * BATCH_SIZE / seconds, left / 60,
                                    left % 60);
                        }
                    });
            SortedMap<String, String> config = settings.asRunConfig();
            config.put("offline.examples", String.valueOf(examples.size()));
            config.put("offline.epochs", String.valueOf(epochs));
            config.put("offline.batch-size", String.valueOf(BATCH_SIZE));
            long steps = (long) epochs * ((examples.size() + BATCH_SIZE - 1) / BATCH_SIZE);
            return trainer.checkpoint(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, name, "offline",
                    steps, (long) epochs * examples.size(), Instant.now().toString(), model, config, null, loss));
        }
    }
}
