package dev.distill.eval.ml;

import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.evaluation.ClassificationMetrics;
import dev.distill.core.evaluation.Latency;
import dev.distill.core.evaluation.ModelFigures;
import dev.distill.core.evaluation.OnnxEvaluation;
import java.util.List;

/**
 * A checkpoint's held-out scores, speed and size.
 *
 * @param labels    the checkpoint's classes, by name, index = class id
 * @param agreement share of held-out examples where it predicts the teacher's class; {@code null} without a teacher
 * @param latency   its speed on this machine
 * @param figures   its parameters and size on disk
 * @param onnx      the same exported to ONNX, with float and int8 weights, run in ONNX Runtime; empty when
 *                  {@code eval.onnx-scoring} is off
 * @param manifest  the checkpoint's manifest: when it was made and how fresh its newest example was
 */
public record CheckpointEvaluation(ClassificationMetrics metrics, List<String> labels, Double agreement,
        Latency latency, ModelFigures figures, List<OnnxEvaluation> onnx, CheckpointManifest manifest) {
}
