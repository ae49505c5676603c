package dev.distill.core.training;

import dev.distill.core.wire.RecordIds;
import dev.distill.core.wire.SoftLabel;
import java.util.List;

/**
 * Whether every label of a batch can be trained on, checked before any step, so that a batch split into several
 * steps is applied whole or not at all: its text, an id that can be ledgered, a gold label among the student's
 * classes, and teacher logits (one finite logit per class) unless the run trains on gold labels alone.
 */
final class TrainableLabels {
    private TrainableLabels() {
    }

    /**
     * @param numClasses the student's classes
     * @param alpha      the weight of the gold-label term: 1 trains on gold labels alone
     * @throws IllegalArgumentException naming the first label that cannot be trained on, and why
     */
    static void check(List<SoftLabel> labels, int numClasses, float alpha) {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("the batch holds no labels");
        }
        for (SoftLabel label : labels) {
            if (label == null || label.text() == null) {
                throw new IllegalArgumentException("a label lacks its text");
            }
            String idProblem = RecordIds.problem("example id", label.exampleId());
            if (idProblem != null) {
                throw new IllegalArgumentException(idProblem);
            }
            if (label.label() != null && (label.label() < 0 || label.label() >= numClasses)) {
                throw new IllegalArgumentException("example " + label.exampleId() + " has label " + label.label()
                        + " outside [0, " + numClasses + ")");
            }
            if (label.logits() != null) {
                if (label.logits().length != numClasses) {
                    throw new IllegalArgumentException("example " + label.exampleId() + " has "
                            + label.logits().length + " teacher logits, the student has " + numClasses + " classes");
                }
                for (float logit : label.logits()) {
                    if (!Float.isFinite(logit)) {
                        throw new IllegalArgumentException("example " + label.exampleId()
                                + " has a non-finite teacher logit");
                    }
                }
            } else if (alpha < 1f) {
                throw new IllegalArgumentException("example " + label.exampleId() + " has no teacher logits (its "
                        + "label-service runs without a teacher, label.teacher); training on gold labels alone "
                        + "needs alpha = 1 (" + TrainingSettings.ALPHA_KEY + "=1)");
            } else if (label.label() == null) {
                throw new IllegalArgumentException("example " + label.exampleId()
                        + " has neither teacher logits nor a gold label");
            }
        }
    }
}
