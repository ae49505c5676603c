package dev.distill.local.launch;

import java.nio.file.Path;

/** Settings of label-service ({@code label.*}). */
public final class LabelServiceSettings extends ServiceSettings<LabelServiceSettings> {

    LabelServiceSettings(String kafkaBootstrapServers) {
        super("label-service", kafkaBootstrapServers);
    }

    /** The teacher: a checkpoint, Hugging Face directory, TorchScript or ONNX file. */
    public LabelServiceSettings teacher(Path teacher) {
        return set("label.teacher", teacher.toAbsolutePath());
    }

    /** What runs a checkpoint teacher: {@code auto}, {@code pytorch} or {@code onnx-runtime}. */
    public LabelServiceSettings teacherEngine(String engine) {
        return set("label.teacher-engine", engine);
    }

    /**
     * For a label-service streaming beside train-service on the same machine: its engine waits passively ({@link
     * #sharingCores}) on half the cores, train-service's on all of them. That is the split the peer benchmark's
     * streaming rows measured (ONNX Runtime chose one thread for the teacher on 2 cores until its thread count was
     * set: {@code OnnxContract}).
     */
    public LabelServiceSettings streamingBesideTraining() {
        return engineThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / 2)).sharingCores();
    }

    public LabelServiceSettings tokenizer(Path tokenizer) {
        return set("label.tokenizer", tokenizer.toAbsolutePath());
    }

    /** A stable id per worker, for its Kafka transactions. */
    public LabelServiceSettings workerId(String workerId) {
        return set("label.worker-id", workerId);
    }

    public LabelServiceSettings maxBatchSize(int examples) {
        return set("label.max-batch-size", examples);
    }

    public LabelServiceSettings maxPollExamples(int examples) {
        return set("label.max-poll-examples", examples);
    }

    public LabelServiceSettings maxTextChars(int characters) {
        return set("label.max-text-chars", characters);
    }

    public LabelServiceSettings maxRequestExamples(int examples) {
        return set("label.max-request-examples", examples);
    }

    /** Teacher layers whose pooled hidden states travel with the soft labels. */
    public LabelServiceSettings hiddenLayers(int layer) {
        return set("label.hidden-layers", layer);
    }

    /** Logit encoding on the wire: {@code fp32}, {@code fp16} or {@code top-k}. */
    public LabelServiceSettings encoding(String encoding) {
        return set("label.encoding", encoding);
    }
}
