package dev.distill.label.config;

import dev.distill.core.wire.SoftLabelEncoding;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Settings of label-service, under the {@code label.} prefix. */
@ConfigMapping(prefix = "label")
public interface LabelConfig {
    /** Keys named in messages to operators (a setting's key is its method name in kebab case). */
    String TEACHER_KEY = "label.teacher";
    String TEACHER_ENGINE_KEY = "label.teacher-engine";
    String LABELS_KEY = "label.labels";
    String HIDDEN_LAYERS_KEY = "label.hidden-layers";
    String MAX_TEXT_CHARS_KEY = "label.max-text-chars";

    /**
     * The teacher: a checkpoint directory of this project, or a TorchScript file ({@code *.pt}) taking
     * {@code input_ids}, {@code attention_mask} (and optionally {@code token_type_ids}) and returning logits. Unset:
     * no teacher, gold labels pass through without logits, for plain supervised training (train.alpha = 1) of a
     * teacher.
     */
    Optional<Path> teacher();

    /**
     * Class names, in index order, when there is no teacher (a teacher names its own classes): the labels examples
     * may carry, by name or index.
     */
    @WithDefault("0,1")
    List<String> labels();

    /**
     * Teacher layers (1 = first encoder layer) whose pooled hidden states travel with every soft label, for
     * intermediate-layer distillation; unset sends none. Needs a checkpoint teacher.
     */
    Optional<List<Integer>> hiddenLayers();

    /** Truncation length for a TorchScript teacher; a checkpoint carries its own. */
    @WithDefault("128")
    int teacherMaxLength();

    /**
     * What runs a checkpoint teacher: {@code onnx-runtime} (exported to ONNX when the service starts; about twice
     * as fast on CPUs, see docs/performance.md), {@code pytorch}, or {@code auto}: ONNX Runtime unless
     * {@code label.hidden-layers} asks for hidden states, which only PyTorch gives. Other teachers run on the engine
     * of their format.
     */
    @WithDefault("auto")
    TeacherEngine teacherEngine();

    /** The engine {@link #teacherEngine} names. */
    enum TeacherEngine {
        AUTO, PYTORCH, ONNX_RUNTIME
    }

    /** Hugging Face {@code tokenizer.json} the teacher was trained with. */
    @WithDefault("data/vocab/tokenizer.json")
    Path tokenizer();

    /** Temperature published with each batch, the softening the teacher suggests for its logits. */
    @WithDefault("2.0")
    float temperature();

    /** Most examples per teacher batch; set in application.properties. */
    int maxBatchSize();

    /**
     * Most examples read per poll (Kafka {@code max.poll.records}) and labelled in one transaction, in batches of
     * {@code max-batch-size}; set in application.properties.
     */
    int maxPollExamples();

    /** Longest wait, in ms, for a batch to fill (Kafka {@code fetch.max.wait.ms}); set in application.properties. */
    int maxWaitMs();

    /**
     * This worker's name: unique within the consumer group and stable across the worker's restarts (a pod name), as
     * it names the worker's Kafka transactions. Defaults to a random id per start, set in application.properties.
     */
    String workerId();

    /**
     * How soft labels travel: {@code fp16} (binary, half-precision logits), {@code fp32} (binary, lossless),
     * {@code top-k} (binary, the {@code label.top-k} largest logits and one value for the rest, for large label
     * spaces) or {@code json}. train-service reads all of them.
     */
    @WithDefault("fp16")
    SoftLabelEncoding encoding();

    /** Logits kept per example with {@code label.encoding=top-k}. */
    @WithDefault("16")
    int topK();

    /** Longest accepted text, in characters; longer texts are refused at ingest. */
    @WithDefault("20000")
    int maxTextChars();

    /** Most examples accepted in one ingest request. */
    @WithDefault("10000")
    int maxRequestExamples();
}
