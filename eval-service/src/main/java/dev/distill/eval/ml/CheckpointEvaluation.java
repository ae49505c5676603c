package dev.distill.eval.ml;

import dev.distill.core.metrics.ClassificationMetrics;

/**
 * A checkpoint's held-out scores.
 *
 * @param agreement share of held-out examples where it predicts the teacher's class; {@code null} without a teacher
 */
public record CheckpointEvaluation(ClassificationMetrics metrics, Double agreement) {
}
