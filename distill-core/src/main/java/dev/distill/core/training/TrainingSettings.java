package dev.distill.core.training;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Hyper-parameters of a distillation run.
 *
 * @param alpha        weight of the hard-label cross-entropy; 1 trains on gold labels only (no teacher)
 * @param temperature  softening temperature of the KL term
 * @param learningRate peak Adam learning rate
 * @param warmupSteps  steps of linear warm-up to the peak rate
 * @param decaySteps   step at which linear decay reaches {@code decayFloor}; 0 keeps the peak rate (open-ended
 *                     stream)
 * @param seed         seeds parameter initialisation and dropout
 * @param decayFloor   fraction of the peak rate the decay ends at and holds after {@code decaySteps}
 */
public record TrainingSettings(float alpha, float temperature, float learningRate, int warmupSteps, int decaySteps,
        int seed, float decayFloor) {
    public TrainingSettings {
        if (!(learningRate > 0f)) {
            throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
        }
    }

    /** Settings whose decay, if any, ends at 0 (BERT's). */
    public TrainingSettings(float alpha, float temperature, float learningRate, int warmupSteps, int decaySteps,
            int seed) {
        this(alpha, temperature, learningRate, warmupSteps, decaySteps, seed, 0f);
    }

    /** Constant learning rate, no warm-up. */
    public static TrainingSettings constantRate(float alpha, float temperature, float learningRate, int seed) {
        return new TrainingSettings(alpha, temperature, learningRate, 0, 0, seed);
    }

    /** The run-configuration key of {@link #alpha}, as train-service names the setting. */
    public static final String ALPHA_KEY = "train.alpha";

    /** These settings as run-configuration entries ({@code train.alpha}, ...), as saved with checkpoints. */
    public SortedMap<String, String> asRunConfig() {
        SortedMap<String, String> config = new TreeMap<>();
        config.put(ALPHA_KEY, String.valueOf(alpha));
        config.put("train.temperature", String.valueOf(temperature));
        config.put("train.learning-rate", String.valueOf(learningRate));
        config.put("train.warmup-steps", String.valueOf(warmupSteps));
        config.put("train.decay-steps", String.valueOf(decaySteps));
        config.put("train.decay-floor", String.valueOf(decayFloor));
        config.put("train.seed", String.valueOf(seed));
        return config;
    }

    public LearningRateSchedule schedule() {
        return new LearningRateSchedule(learningRate, warmupSteps, decaySteps, decayFloor);
    }
}
