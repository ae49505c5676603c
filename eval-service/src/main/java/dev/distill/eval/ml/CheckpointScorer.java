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
import org.jboss.logging.Logger;

/** Scores checkpoints on the held-out set, which is read once at start-up. */
@Startup
@ApplicationScoped
public class CheckpointScorer {
    private static final Logger LOG = Logger.getLogger(CheckpointScorer.class);

    private final EvalConfig config;
    private final List<LabeledText> heldOut;

    public CheckpointScorer(EvalConfig config) {
        this.config = config;
        this.heldOut = LabeledTsv.read(config.evalFile(), config.evalLimit());
        LOG.infof("held-out set: %d examples from %s", heldOut.size(), config.evalFile());
    }

    /**
     * Accuracy and macro-F1 of the checkpoint on the held-out set. Blocking: call from a worker thread.
     *
     * @param checkpoint a checkpoint directory inside {@code eval.checkpoint-dir}
     */
    public ClassificationMetrics score(String checkpoint) {
        Path directory = Checkpoints.confine(config.checkpointDir(), checkpoint);
        try (TextClassifier classifier = TextClassifier.load(directory, config.tokenizer(), Devices.preferred())) {
            return HeldOutEvaluation.score(classifier, heldOut, config.batchSize());
        }
    }
}
