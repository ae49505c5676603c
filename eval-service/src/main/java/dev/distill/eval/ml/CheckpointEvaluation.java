package dev.distill.eval.ml;

import dev.distill.core.evaluation.ClassificationMetrics;
import java.util.List;

/**
 * A checkpoint's held-out scores.
 *
 * @param labels    the checkpoint's classes, by name, index = class id
 * @param agreement share of held-out examples where it predicts the teacher's class; {@code null} without a teacher
 */
public record CheckpointEvaluation(ClassificationMetrics metrics, List<String> labels, Double agreement) {
}
