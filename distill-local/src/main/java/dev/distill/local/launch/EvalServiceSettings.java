package dev.distill.local.launch;

import java.nio.file.Path;

/** Settings of eval-service ({@code eval.*}). */
public final class EvalServiceSettings extends ServiceSettings<EvalServiceSettings> {

    EvalServiceSettings(String kafkaBootstrapServers) {
        super("eval-service", kafkaBootstrapServers);
    }

    /** The held-out set and how many of its rows to score (0: all). */
    public EvalServiceSettings heldOut(Path file, int limit) {
        set("eval.eval-file", file.toAbsolutePath());
        return set("eval.eval-limit", limit);
    }

    public EvalServiceSettings tokenizer(Path tokenizer) {
        return set("eval.tokenizer", tokenizer.toAbsolutePath());
    }

    /** The teacher, for agreement figures. */
    public EvalServiceSettings teacher(Path teacher) {
        return set("eval.teacher", teacher.toAbsolutePath());
    }

    /** Whether each checkpoint's ONNX exports (float, int8) are scored too. */
    public EvalServiceSettings onnxScoring(boolean enabled) {
        return set("eval.onnx-scoring", enabled);
    }

    /** Where train-service writes checkpoints; only checkpoints inside it are scored. */
    public EvalServiceSettings checkpointDir(Path directory) {
        return set("eval.checkpoint-dir", directory.toAbsolutePath());
    }
}
