package dev.distill.local.bench;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import dev.distill.local.bench.ServiceComparison.Repetition;
import java.nio.file.Path;
import java.util.List;

/** The bare engine loops: teacher inference with a loaded classifier and student training with a fresh trainer. */
final class EngineLoops {
    /** The distillation every training side runs: alpha 0.5, T 2, Adam at 1e-3 after 100 warm-up steps. */
    static final TrainingSettings TRAINING = new TrainingSettings(0.5f, 2f, 1e-3f, 100, 0, 42);

    private final Path tokenizer;

    EngineLoops(Path tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** One pass of teacher inference over the batches, tokenizing included. */
    static Repetition inference(TextClassifier teacher, List<List<String>> batches) {
        try (Predictor<List<String>, float[][]> predictor = teacher.newPredictor()) {
            long start = System.nanoTime();
            int examples = 0;
            for (List<String> batch : batches) {
                predictor.predict(batch);
                examples += batch.size();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Repetition(examples / seconds, 1e3 * seconds / batches.size());
        } catch (TranslateException e) {
            throw new IllegalStateException("teacher inference failed: " + e.getMessage(), e);
        }
    }

    /** One distillation step per batch for a fresh student (as each repetition of the PyTorch side starts one). */
    Repetition training(ModelConfig student, List<List<SoftLabel>> batches) {
        try (DistillationTrainer trainer = new DistillationTrainer(student, TRAINING, tokenizer,
                Devices.preferred())) {
            long start = System.nanoTime();
            int examples = 0;
            for (List<SoftLabel> batch : batches) {
                trainer.step(batch);
                examples += batch.size();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (trainer.skippedSteps() > 0) {
                throw new IllegalStateException(trainer.skippedSteps() + " of " + batches.size() + " updates were "
                        + "skipped (gradients not finite): the pass did less work than training does, so its time "
                        + "does not count");
            }
            return new Repetition(examples / seconds, 1e3 * seconds / batches.size());
        }
    }

    static List<List<String>> texts(List<List<SoftLabel>> batches) {
        return batches.stream().map(batch -> batch.stream().map(SoftLabel::text).toList()).toList();
    }
}
