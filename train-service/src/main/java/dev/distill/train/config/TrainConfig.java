package dev.distill.train.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    /**
     * Step at which the learning rate has decayed linearly to {@code decay-floor} of its peak, to hold it from then
     * on; 0 keeps the peak rate (the default: a stream has no end to decay towards).
     */
    @WithDefault("0")
    int decaySteps();

    /**
     * With {@code decay-steps}: the fraction of the peak rate the decay ends at and holds, so that examples arriving
     * after the planned end still teach the student (0 would stop it learning).
     */
    @WithDefault("0.1")
    float decayFloor();

    /** Seeds initialisation and dropout. */
    @WithDefault("42")
    int seed();

    /**
     * Weights to start the student from instead of random ones: a teacher checkpoint (DistilBERT's recipe), a
     * pretrained encoder ({@code pretrained:bge-small-en-v1.5}, {@code pretrained:all-minilm-l6-v2}) or a Hugging Face
     * BERT directory. The student then takes the source's width, heads and vocabulary, and by default its number of
     * layers (fine-tuning it whole, with {@code alpha=1}, is how a teacher is made here).
     */
    Optional<String> initFrom();

    /**
     * With {@code init-from}: student layer i starts as source layer i * stride. Default: source layers / student
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

    /**
     * The student's classes, in index order. Unset: those of the checkpoint a run resumes, or of {@code init-from}'s
     * head, or else of the first soft-label batch (batches name their teacher's classes); a run refuses batches of
     * other classes.
     */
    Optional<List<String>> labels();

    /** Student architecture. */
    Student student();

    /**
     * Size of the student. Unset sizes are those of {@code init-from}'s source, or, training from scratch, 64 wide,
     * 2 layers, 2 heads, 64 tokens.
     */
    interface Student {
        @WithDefault("30522")
        int vocabSize();

        Optional<Integer> hiddenSize();

        Optional<Integer> layers();

        Optional<Integer> heads();

        /**
         * Width of the feed-forward blocks. Default: 4 x hidden size from scratch, the source's on a source; narrower
         * than the source keeps each layer's most important neurons (weight magnitude).
         */
        Optional<Integer> intermediateSize();

        /** Tokens read per text, special tokens included. Default: 64 from scratch, 128 on a source. */
        Optional<Integer> maxLength();
    }
}
