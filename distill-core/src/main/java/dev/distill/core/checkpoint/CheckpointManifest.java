package dev.distill.core.checkpoint;

import dev.distill.core.model.ModelConfig;
import dev.distill.core.wire.CheckpointEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
        double trainLoss, String parentCheckpointId, SortedMap<String, Long> consumedOffsets,
        StreamTimes streamTimes) {

    /**
     * When the newest example a checkpoint learnt from entered {@code distill.examples} and when its soft label was
     * published, ISO-8601 instants: with the checkpoint's {@code createdAt}, where its freshness went.
     */
    public record StreamTimes(String newestExampleAt, String newestExampleLabelledAt) {
    }

    /** A checkpoint without stream times. */
    public CheckpointManifest(int formatVersion, String checkpointId, String runId, long step, long examplesSeen,
            String createdAt, ModelConfig model, SortedMap<String, String> runConfig, String parametersSha256,
            double trainLoss, String parentCheckpointId, SortedMap<String, Long> consumedOffsets) {
        this(formatVersion, checkpointId, runId, step, examplesSeen, createdAt, model, runConfig, parametersSha256,
                trainLoss, parentCheckpointId, consumedOffsets, null);
    }

    /** A checkpoint that starts no stream and continues no other: offline training and tests. */
    public CheckpointManifest(int formatVersion, String checkpointId, String runId, long step, long examplesSeen,
            String createdAt, ModelConfig model, SortedMap<String, String> runConfig, String parametersSha256,
            double trainLoss) {
        this(formatVersion, checkpointId, runId, step, examplesSeen, createdAt, model, runConfig, parametersSha256,
                trainLoss, null, new TreeMap<>(), null);
    }

    /** The event that announces this checkpoint, written to {@code directory}. */
    public CheckpointEvent announcement(Path directory) {
        return new CheckpointEvent(runId, checkpointId, step, examplesSeen, directory.toAbsolutePath().toString(),
                trainLoss);
    }

    /**
     * How an event said to announce this checkpoint disagrees with it (checkpoint id, run, step or examples seen),
     * or {@code null} when it agrees: an event must not put another checkpoint's weights under its ids.
     */
    public String disagreement(CheckpointEvent event) {
        List<String> differences = new ArrayList<>();
        compare(differences, "checkpointId", event.checkpointId(), checkpointId);
        compare(differences, "runId", event.runId(), runId);
        compare(differences, "step", event.step(), step);
        compare(differences, "examplesSeen", event.examplesSeen(), examplesSeen);
        return differences.isEmpty() ? null : String.join(", ", differences);
    }

    private static void compare(List<String> differences, String field, Object announced, Object stored) {
        if (!Objects.equals(announced, stored)) {
            differences.add(field + " " + quoted(announced) + " in the event, " + quoted(stored) + " in the manifest");
        }
    }

    private static String quoted(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }

    CheckpointManifest withParametersSha256(String sha256) {
        return new CheckpointManifest(formatVersion, checkpointId, runId, step, examplesSeen, createdAt, model,
                runConfig, sha256, trainLoss, parentCheckpointId, consumedOffsets, streamTimes);
    }
}
