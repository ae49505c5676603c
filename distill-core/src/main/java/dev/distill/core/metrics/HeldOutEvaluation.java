package dev.distill.core.metrics;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.data.LabeledText;
import dev.distill.core.model.TextClassifier;
import java.util.List;

/** Scores a classifier on a labelled held-out set, in batches. */
public final class HeldOutEvaluation {
    private HeldOutEvaluation() {
    }

    public static ClassificationMetrics score(TextClassifier classifier, List<LabeledText> heldOut, int batchSize) {
        int[] gold = heldOut.stream().mapToInt(LabeledText::label).toArray();
        return ClassificationMetrics.of(gold, predict(classifier, heldOut, batchSize), classifier.numClasses());
    }

    /** The classifier's class for every held-out text, in order. */
    public static int[] predict(TextClassifier classifier, List<LabeledText> heldOut, int batchSize) {
        int[] predicted = new int[heldOut.size()];
        try (Predictor<List<String>, float[][]> predictor = classifier.newPredictor()) {
            for (int start = 0; start < heldOut.size(); start += batchSize) {
                List<LabeledText> slice = heldOut.subList(start, Math.min(heldOut.size(), start + batchSize));
                int[] classes = ClassificationMetrics.argmax(
                        predictor.predict(slice.stream().map(LabeledText::text).toList()));
                System.arraycopy(classes, 0, predicted, start, classes.length);
            }
        } catch (TranslateException e) {
            throw new IllegalStateException("inference failed while scoring: " + e.getMessage(), e);
        }
        return predicted;
    }
}
