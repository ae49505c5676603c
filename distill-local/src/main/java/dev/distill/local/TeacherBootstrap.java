package dev.distill.local;

import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledText;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * Trains a teacher on gold labels (alpha = 1, no teacher of its own) so the local run needs no downloaded weights,
 * and saves it in the checkpoint format label-service loads.
 */
final class TeacherBootstrap {
    private static final int BATCH_SIZE = 32;

    private TeacherBootstrap() {
    }

    static Path train(List<LabeledText> data, ModelConfig model, int epochs, int seed, Path tokenizer, Path root,
            PrintStream out) {
        TrainingSettings settings = TrainingSettings.constantRate(1f, 1f, 1e-3f, seed);
        List<LabeledText> order = new ArrayList<>(data);
        Random random = new Random(seed);
        long totalSteps = (long) epochs * ((data.size() + BATCH_SIZE - 1) / BATCH_SIZE);
        long step = 0;
        long started = System.nanoTime();
        double epochLoss = 0;
        try (DistillationTrainer trainer = new DistillationTrainer(model, settings, tokenizer, Devices.preferred())) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                Collections.shuffle(order, random);
                double lossSum = 0;
                int batches = 0;
                for (int start = 0; start < order.size(); start += BATCH_SIZE) {
                    List<SoftLabel> batch = new ArrayList<>(BATCH_SIZE);
                    for (LabeledText row : order.subList(start, Math.min(order.size(), start + BATCH_SIZE))) {
                        batch.add(new SoftLabel("teacher-" + start, row.text(), row.label(), null));
                    }
                    lossSum += trainer.step(batch);
                    batches++;
                    step++;
                    if (step % 50 == 0 || step == totalSteps) {
                        double seconds = (System.nanoTime() - started) / 1e9;
                        out.printf("  teacher epoch %d/%d  step %d/%d  loss %.4f  (%.0f examples/s)%n", epoch,
                                epochs, step, totalSteps, lossSum / batches, step * BATCH_SIZE / seconds);
                    }
                }
                epochLoss = lossSum / batches;
            }
            TreeMap<String, String> config = new TreeMap<>();
            config.put("teacher.examples", String.valueOf(data.size()));
            config.put("teacher.epochs", String.valueOf(epochs));
            config.put("teacher.seed", String.valueOf(seed));
            config.put("train.alpha", "1.0");
            config.put("train.learning-rate", String.valueOf(settings.learningRate()));
            return trainer.checkpoint(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, "teacher",
                    "teacher-bootstrap", step, step * BATCH_SIZE, Instant.now().toString(), model, config, null,
                    epochLoss));
        }
    }
}
