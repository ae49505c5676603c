package dev.distill.eval;

import dev.distill.core.evaluation.OnnxEvaluation;
import jakarta.persistence.Embeddable;

/** A checkpoint exported to ONNX in one precision, scored and timed in ONNX Runtime. */
@Embeddable
public class OnnxScore {
    public Double accuracy;
    public Double macroF1;
    /** Median milliseconds per sentence at batch 1. */
    public Double latencyMillisP50;
    /** Sentences per second in batches of 32. */
    public Double sentencesPerSecond;
    /** Bytes of the ONNX file. */
    public Long sizeBytes;

    public static OnnxScore of(OnnxEvaluation evaluation) {
        OnnxScore score = new OnnxScore();
        score.accuracy = evaluation.metrics().accuracy();
        score.macroF1 = evaluation.metrics().macroF1();
        score.latencyMillisP50 = evaluation.latency().millisAtBatch1();
        score.sentencesPerSecond = evaluation.latency().sentencesPerSecond();
        score.sizeBytes = evaluation.sizeBytes();
        return score;
    }
}
