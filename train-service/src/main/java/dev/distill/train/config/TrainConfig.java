package dev.distill.train.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of train-service, under the {@code train.} prefix. All of them are saved with every checkpoint. */
@ConfigMapping(prefix = "train")
public interface TrainConfig {
    /** Human-readable run name shown in listings. */
    @WithDefault("student")
    String runName();

    /** Hugging Face {@code tokenizer.json} of the student. */
    @WithDefault("data/vocab/tokenizer.json")
    Path tokenizer();

    /**
     * sha-256 of the only teacher whose soft labels this run accepts. Unset: the run accepts the teacher of its
     * first batch and refuses batches of any other.
     */
    Optional<String> teacherId();

    /** Directory checkpoints are written to; eval-service must be able to read it. */
    @WithDefault("checkpoints")
    Path checkpointDir();

    /** Most examples per optimizer step; larger soft-label batches are split into several steps. */
    @WithDefault("32")
    int batchSize();

    /** A checkpoint is written after this many optimizer steps. */
    @WithDefault("50")
    int checkpointEverySteps();

    /** A checkpoint is also written when no batch arrived for this long and steps are unsaved. */
    @WithDefault("PT5S")
    Duration checkpointWhenIdle();

    /** Weight of the hard-label cross-entropy; 1 = supervised training on gold labels only. */
    @WithDefault("0.5")
    float alpha();

    /** Softening temperature of the distillation term. */
    @WithDefault("2.0")
    float temperature();

    /** Peak Adam learning rate. */
    @WithDefault("0.001")
    float learningRate();

    /** Steps of linear warm-up from 0 to the peak learning rate. */
    @WithDefault("100")
    int warmupSteps();

    /** Step at which the learning rate has decayed linearly to 0; 0 keeps the peak rate (open-ended stream). */
    @WithDefault("0")
    int decaySteps();

    /** Seeds initialisation and dropout. */
    @WithDefault("42")
    int seed();

    /**
     * Teacher checkpoint to start the student from (DistilBERT's recipe) instead of random weights; it must share
     * every size with the student but the number of layers.
     */
    Optional<Path> initFrom();

    /**
     * With {@code init-from}: student layer i starts as teacher layer i * stride. Default: teacher layers / student
     * layers.
     */
    Optional<Integer> initLayerStride();

    /**
     * Intermediate-layer distillation: {@code student:teacher} layer pairs counting from 1, e.g. {@code 1:2,2:4};
     * each student layer's pooled state, through a learned projection, learns the teacher layer's (TinyBERT). The
     * teacher must publish those layers (label.hidden-layers). Unset: off.
     */
    Optional<String> layerMap();

    /** With {@code layer-map}: the teacher's hidden size, the width the student's states are projected to. */
    Optional<Integer> layerMapTeacherHiddenSize();

    /** With {@code layer-map}: weight of the hidden-state loss next to the distillation loss. */
    @WithDefault("1.0")
    float layerMapWeight();

    /** Student architecture. */
    Student student();

    /** Size of the student transformer. */
    interface Student {
        @WithDefault("30522")
        int vocabSize();

        @WithDefault("64")
        int hiddenSize();

        @WithDefault("2")
        int layers();

        @WithDefault("2")
        int heads();

        @WithDefault("64")
        int maxLength();

        @WithDefault("2")
        int numClasses();
    }
}
