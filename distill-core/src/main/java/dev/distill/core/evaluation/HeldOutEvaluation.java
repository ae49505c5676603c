package dev.distill.core.evaluation;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.inference.TextClassifier;
import java.util.List;

/**
 * Scores a classifier on a labelled held-out set, in batches. Held-out labels are matched to the classifier's classes
 * by name (or index), so a model is scored on its own label set.
 */
public final class HeldOutEvaluation {
    private HeldOutEvaluation() {
    }

    public static ClassificationMetrics score(TextClassifier classifier, List<LabeledRow> heldOut, int batchSize) {
        return ClassificationMetrics.of(gold(classifier.labels(), heldOut),
                predict(classifier, texts(heldOut), batchSize), classifier.numClasses());
    }

    /**
     * The held-out labels as indices of the model's classes.
     *
     * @throws IllegalArgumentException if a held-out label is not one of them
     */
    public static int[] gold(List<String> modelClasses, List<LabeledRow> heldOut) {
        LabelSet classes = new LabelSet(modelClasses);
        int[] gold = new int[heldOut.size()];
        for (int i = 0; i < gold.length; i++) {
            try {
                gold[i] = classes.index(heldOut.get(i).label());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("held-out row " + (i + 1) + ": the model's classes are "
                        + modelClasses + ", and " + e.getMessage(), e);
            }
        }
        return gold;
    }

    public static List<String> texts(List<LabeledRow> rows) {
        return rows.stream().map(LabeledRow::text).toList();
    }

    /** The classifier's class for every text, in order. */
    public static int[] predict(TextClassifier classifier, List<String> texts, int batchSize) {
        int[] predicted = new int[texts.size()];
        try (Predictor<List<String>, float[][]> predictor = classifier.newPredictor()) {
            for (int start = 0; start < texts.size(); start += batchSize) {
                int[] classes = ClassificationMetrics.argmax(
                        predictor.predict(texts.subList(start, Math.min(texts.size(), start + batchSize))));
                System.arraycopy(classes, 0, predicted, start, classes.length);
            }
        } catch (TranslateException e) {
            throw new IllegalStateException("inference failed while scoring: " + e.getMessage(), e);
        }
        return predicted;
    }
}
