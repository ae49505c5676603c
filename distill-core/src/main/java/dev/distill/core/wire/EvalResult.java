package dev.distill.core.wire;

/**
 * Score of one checkpoint on the held-out set.
 *
 * @param runId        training run
 * @param checkpointId evaluated checkpoint
 * @param step         step of the checkpoint
 * @param accuracy     fraction of correct predictions
 * @param macroF1      unweighted mean of per-class F1
 * @param examples     number of held-out examples scored
 * @param agreement    fraction of held-out examples where the student predicts the teacher's class, or {@code null}
 *                     when eval-service has no teacher
 */
public record EvalResult(String runId, String checkpointId, long step, double accuracy, double macroF1,
        int examples, Double agreement) {
}
