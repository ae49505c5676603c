package dev.distill.core.training;

/**
 * Hyper-parameters of a distillation run.
 *
 * @param alpha        weight of the hard-label cross-entropy; 1 trains on gold labels only (no teacher)
 * @param temperature  softening temperature of the KL term
 * @param learningRate Adam learning rate
 * @param seed         seeds parameter initialisation and dropout
 */
public record TrainingSettings(float alpha, float temperature, float learningRate, int seed) {
    public TrainingSettings {
        if (!(learningRate > 0f)) {
            throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
        }
    }
}
