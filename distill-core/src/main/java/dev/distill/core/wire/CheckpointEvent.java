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
}
