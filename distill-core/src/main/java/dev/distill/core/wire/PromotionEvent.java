package dev.distill.core.wire;

/**
 * Published by eval-service when the serving student changes: a better checkpoint was promoted, or an operator
 * rolled the last promotion back.
 *
 * @param kind                 {@code PROMOTED} or {@code ROLLED_BACK}
 * @param checkpointId         the checkpoint serving from now on (a rollback never leaves none serving)
 * @param runId                its training run
 * @param path                 its directory on the checkpoint store
 * @param accuracy             its held-out accuracy
 * @param replacedCheckpointId the checkpoint it replaces, or {@code null} for the first promotion
 */
public record PromotionEvent(Kind kind, String checkpointId, String runId, String path, Double accuracy,
        String replacedCheckpointId) {
    public enum Kind {
        PROMOTED, ROLLED_BACK
    }
}
