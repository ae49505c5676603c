package dev.distill.core.checkpoint;

import dev.distill.core.model.ModelConfig;
import java.util.SortedMap;

/**
 * {@code manifest.json} of a checkpoint directory: everything needed to rebuild the model and to reproduce the run.
 *
 * @param formatVersion    checkpoint layout version, {@link Checkpoints#FORMAT_VERSION}
 * @param checkpointId     unique id
 * @param runId            training run that wrote it
 * @param step             optimizer steps applied
 * @param examplesSeen     training examples applied
 * @param createdAt        ISO-8601 instant
 * @param model            architecture of the saved parameters
 * @param runConfig        the run's resolved configuration, key by key
 * @param parametersSha256 sha-256 of {@code parameters.bin}, checked on load
 * @param trainLoss        mean training loss since the previous checkpoint
 */
public record CheckpointManifest(int formatVersion, String checkpointId, String runId, long step, long examplesSeen,
        String createdAt, ModelConfig model, SortedMap<String, String> runConfig, String parametersSha256,
        double trainLoss) {

    CheckpointManifest withParametersSha256(String sha256) {
        return new CheckpointManifest(formatVersion, checkpointId, runId, step, examplesSeen, createdAt, model,
                runConfig, sha256, trainLoss);
    }
}
