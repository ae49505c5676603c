package dev.distill.local.testkit;

import dev.distill.core.Directories;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.training.TrainingSettings;
import dev.distill.local.OfflineTraining;
import java.nio.file.Path;

/**
 * A small teacher trained from random weights on gold labels in seconds: enough for tests of the pipeline's
 * plumbing, where fine-tuning a pretrained teacher would take many minutes.
 */
public final class ScratchTeacher {
    private ScratchTeacher() {
    }

    /** Trains a teacher of this size (its classes: the file's) on the first examples; emptied {@code root} first. */
    public static Path train(Path trainFile, int examples, int epochs, ModelConfig size, Path tokenizer, Path root) {
        Directories.delete(root);
        LabelSet labels = LabelSet.of(trainFile);
        return OfflineTraining.train("teacher", OfflineTraining.goldOnly(LabeledTsv.read(trainFile, labels, examples)),
                size.withLabels(labels.names()), TrainingSettings.constantRate(1f, 1f, 1e-3f, 42), epochs, tokenizer,
                root, System.out);
    }
}
