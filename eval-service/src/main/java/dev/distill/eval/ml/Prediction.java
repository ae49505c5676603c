package dev.distill.eval.ml;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A student's answer for one text.
 *
 * @param label         the most probable class
 * @param probabilities softmax of the logits, by class name in class order
 */
public record Prediction(String label, Map<String, Double> probabilities) {

    /** The prediction the logits make over the classes (softmax taken from the largest logit, for stability). */
    static Prediction of(List<String> labels, float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double[] exp = new double[logits.length];
        double sum = 0;
        int best = 0;
        for (int i = 0; i < logits.length; i++) {
            exp[i] = Math.exp(logits[i] - max);
            sum += exp[i];
            best = logits[i] > logits[best] ? i : best;
        }
        Map<String, Double> probabilities = new LinkedHashMap<>();
        for (int i = 0; i < logits.length; i++) {
            probabilities.put(labels.get(i), exp[i] / sum);
        }
        return new Prediction(labels.get(best), probabilities);
    }
}
