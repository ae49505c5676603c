package dev.distill.core.wire;

/**
 * Published by train-service after a checkpoint is durably written.
 *
 * @param runId        training run the checkpoint belongs to
 * @param checkpointId unique checkpoint id
 * @param step         optimizer steps applied when it was written
 * @param examplesSeen training examples applied when it was written
 * @param path         checkpoint directory, on storage shared with eval-service
 * @param trainLoss    mean distillation loss of the steps since the previous checkpoint
 */
public record CheckpointEvent(String runId, String checkpointId, long step, long examplesSeen, String path,
        double trainLoss) {

    /**
     * Why this event can never be recorded (a missing or malformed id or path, a negative count), or {@code null}
     * when it can: such an event is dead-lettered at once instead of failing at the database again and again.
     */
    public String problem() {
        String problem = RecordIds.problem("runId", runId);
        if (problem == null) {
            problem = RecordIds.problem("checkpointId", checkpointId);
        }
        if (problem == null) {
            problem = RecordIds.pathProblem("path", path);
        }
        if (problem == null && (step < 0 || examplesSeen < 0)) {
            problem = "step (" + step + ") and examplesSeen (" + examplesSeen + ") must not be negative";
        }
        return problem;
    }
}
