package dev.distill.core.checkpoint;

import dev.distill.core.model.ModelConfig;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code manifest.json} of a checkpoint directory: everything needed to rebuild the model, to reproduce the run and to
 * resume it exactly where it stopped.
 *
 * @param formatVersion      checkpoint layout version, {@link Checkpoints#FORMAT_VERSION}
 * @param checkpointId       unique id
 * @param runId              training run that wrote it
 * @param step               optimizer steps applied
 * @param examplesSeen       training examples applied
 * @param createdAt          ISO-8601 instant
 * @param model              architecture of the saved parameters
 * @param runConfig          the run's resolved configuration, key by key
 * @param parametersSha256   sha-256 of {@code parameters.bin}, checked on load
 * @param trainLoss          mean training loss since the previous checkpoint
 * @param parentCheckpointId the run's previous checkpoint, whose parameters these continue; {@code null} for the first
 * @param consumedOffsets    next record offset to read per input partition, keyed
 *                           {@link Checkpoints#offsetKey topic:partition}: every record before it is in these
 *                           parameters (or was dead-lettered), none after it; empty for checkpoints not fed by a stream
 */
public record CheckpointManifest(int formatVersion, String checkpointId, String runId, long step, long examplesSeen,
        String createdAt, ModelConfig model, SortedMap<String, String> runConfig, String parametersSha256,
        double trainLoss, String parentCheckpointId, SortedMap<String, Long> consumedOffsets) {

    /** A checkpoint that starts no stream and continues no other: offline training and tests. */
    public CheckpointManifest(int formatVersion, String checkpointId, String runId, long step, long examplesSeen,
            String createdAt, ModelConfig model, SortedMap<String, String> runConfig, String parametersSha256,
            double trainLoss) {
        this(formatVersion, checkpointId, runId, step, examplesSeen, createdAt, model, runConfig, parametersSha256,
                trainLoss, null, new TreeMap<>());
    }

    CheckpointManifest withParametersSha256(String sha256) {
        return new CheckpointManifest(formatVersion, checkpointId, runId, step, examplesSeen, createdAt, model,
                runConfig, sha256, trainLoss, parentCheckpointId, consumedOffsets);
    }
}
