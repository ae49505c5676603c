package dev.distill.core.training;

/**
 * Hyper-parameters of a distillation run.
 *
 * @param alpha        weight of the hard-label cross-entropy; 1 trains on gold labels only (no teacher)
 * @param temperature  softening temperature of the KL term
 * @param learningRate peak Adam learning rate
 * @param warmupSteps  steps of linear warm-up to the peak rate
 * @param decaySteps   step at which linear decay reaches 0; 0 keeps the peak rate (open-ended stream)
 * @param seed         seeds parameter initialisation and dropout
 */
public record TrainingSettings(float alpha, float temperature, float learningRate, int warmupSteps, int decaySteps,
        int seed) {
    public TrainingSettings {
        if (!(learningRate > 0f)) {
            throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
        }
    }

    /** Constant learning rate, no warm-up. */
    public static TrainingSettings constantRate(float alpha, float temperature, float learningRate, int seed) {
        return new TrainingSettings(alpha, temperature, learningRate, 0, 0, seed);
    }

    public LearningRateSchedule schedule() {
        return new LearningRateSchedule(learningRate, warmupSteps, decaySteps);
    }
}
