package dev.distill.core.evaluation;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.inference.TextClassifier;
import java.util.List;

/** Scores a classifier on a labelled held-out set, in batches, on the classifier's own classes ({@link HeldOutSet}). */
public final class HeldOutEvaluation {
    private HeldOutEvaluation() {
    }

    public static ClassificationMetrics score(TextClassifier classifier, HeldOutSet heldOut, int batchSize) {
        return ClassificationMetrics.of(heldOut.gold(classifier.labels()),
                predict(classifier, heldOut.texts(), batchSize), classifier.numClasses());
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
