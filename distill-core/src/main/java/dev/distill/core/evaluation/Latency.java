package dev.distill.core.evaluation;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * How fast a model answers on this machine: milliseconds per sentence one at a time (median and 95th percentile,
 * after a warm-up), and sentences per second in batches of 32, tokenization included.
 *
 * @param millisAtBatch1     median time of one sentence alone
 * @param millisAtBatch1P95  95th percentile of the same
 * @param sentencesPerSecond throughput in batches of {@link #BATCH}
 */
public record Latency(double millisAtBatch1, double millisAtBatch1P95, double sentencesPerSecond) {
    public static final int BATCH = 32;
    private static final int WARM_UP = 20;

    /** Measures the checkpoint on up to {@code single} sentences alone and on all {@code sentences} in batches. */
    public static Latency measure(Path checkpoint, Path tokenizer, List<String> sentences, int single) {
        try (TextClassifier model = TextClassifier.load(checkpoint, tokenizer, Devices.preferred())) {
            return measure(model, sentences, single);
        }
    }

    /** Measures a loaded model on up to {@code single} sentences alone and on all {@code sentences} in batches. */
    public static Latency measure(TextClassifier model, List<String> sentences, int single) {
        if (sentences.isEmpty() || single < 1) {
            throw new IllegalArgumentException("timing a model needs at least one sentence, timed alone at least once");
        }
        try (Predictor<List<String>, float[][]> predictor = model.newPredictor()) {
            for (String sentence : sentences.subList(0, Math.min(WARM_UP, sentences.size()))) {
                predictor.predict(List.of(sentence));
            }
            List<String> alone = sentences.subList(0, Math.min(single, sentences.size()));
            double[] millis = new double[alone.size()];
            for (int i = 0; i < alone.size(); i++) {
                long started = System.nanoTime();
                predictor.predict(List.of(alone.get(i)));
                millis[i] = (System.nanoTime() - started) / 1e6;
            }
            Arrays.sort(millis);
            long started = System.nanoTime();
            for (int from = 0; from < sentences.size(); from += BATCH) {
                predictor.predict(sentences.subList(from, Math.min(sentences.size(), from + BATCH)));
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            return new Latency(millis[millis.length / 2], millis[(int) Math.ceil(millis.length * 0.95) - 1],
                    sentences.size() / seconds);
        } catch (TranslateException e) {
            throw new IllegalStateException("inference failed while timing the model: " + e.getMessage(), e);
        }
    }
}
