package dev.distill.eval.ml;

import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.data.LabeledText;
import dev.distill.core.metrics.ClassificationMetrics;
import dev.distill.core.metrics.HeldOutEvaluation;
import dev.distill.core.model.Devices;
import dev.distill.core.model.TextClassifier;
import dev.distill.eval.config.EvalConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Scores checkpoints on the held-out set, which is read once at start-up, as are the teacher's predictions on it
 * (the teacher is loaded only for that and closed again).
 */
@Startup
@ApplicationScoped
public class CheckpointScorer {
    private static final Logger LOG = Logger.getLogger(CheckpointScorer.class);

    private final EvalConfig config;
    private final List<LabeledText> heldOut;
    private final int[] gold;
    /** Null without a teacher. */
    private final int[] teacherClasses;
    private final ClassificationMetrics teacherMetrics;

    public CheckpointScorer(EvalConfig config) {
        this.config = config;
        this.heldOut = LabeledTsv.read(config.evalFile(), config.evalLimit());
        this.gold = heldOut.stream().mapToInt(LabeledText::label).toArray();
        LOG.infof("held-out set: %d examples from %s", heldOut.size(), config.evalFile());
        if (config.teacher().isPresent()) {
            try (TextClassifier teacher = TextClassifier.open(config.teacher().get(), config.tokenizer(),
                    Devices.preferred(), config.teacherMaxLength())) {
                this.teacherClasses = HeldOutEvaluation.predict(teacher, heldOut, config.batchSize());
                this.teacherMetrics = ClassificationMetrics.of(gold, teacherClasses, teacher.numClasses());
            }
            LOG.infof("teacher %s: held-out accuracy %.4f", config.teacher().get(), teacherMetrics.accuracy());
        } else {
            this.teacherClasses = null;
            this.teacherMetrics = null;
        }
    }

    /** The teacher's own held-out scores, if eval-service was given the teacher. */
    public Optional<ClassificationMetrics> teacherMetrics() {
        return Optional.ofNullable(teacherMetrics);
    }

    /**
     * Accuracy, macro-F1 and teacher agreement of the checkpoint on the held-out set. Blocking: call from a worker
     * thread.
     *
     * @param checkpoint a checkpoint directory inside {@code eval.checkpoint-dir}
     */
    public CheckpointEvaluation score(String checkpoint) {
        Path directory = Checkpoints.confine(config.checkpointDir(), checkpoint);
        try (TextClassifier classifier = TextClassifier.load(directory, config.tokenizer(), Devices.preferred())) {
            int[] predicted = HeldOutEvaluation.predict(classifier, heldOut, config.batchSize());
            ClassificationMetrics metrics = ClassificationMetrics.of(gold, predicted, classifier.numClasses());
            return new CheckpointEvaluation(metrics, teacherClasses == null ? null : agreement(predicted));
        }
    }

    private double agreement(int[] predicted) {
        int same = 0;
        for (int i = 0; i < predicted.length; i++) {
            same += predicted[i] == teacherClasses[i] ? 1 : 0;
        }
        return (double) same / predicted.length;
    }
}
