package dev.distill.local.launch;

import dev.distill.core.model.ModelConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Settings of train-service ({@code train.*}). */
public final class TrainServiceSettings extends ServiceSettings<TrainServiceSettings> {
    /** The setting {@link #initFrom} sets. */
    public static final String INIT_FROM = "train.init-from";

    TrainServiceSettings(String kafkaBootstrapServers) {
        super("train-service", kafkaBootstrapServers);
    }

    public TrainServiceSettings tokenizer(Path tokenizer) {
        return set("train.tokenizer", tokenizer.toAbsolutePath());
    }

    public TrainServiceSettings checkpointDir(Path directory) {
        return set("train.checkpoint-dir", directory.toAbsolutePath());
    }

    public TrainServiceSettings checkpointEverySteps(int steps) {
        return set("train.checkpoint-every-steps", steps);
    }

    public TrainServiceSettings checkpointWhenIdle(Duration idle) {
        return set("train.checkpoint-when-idle", idle);
    }

    public TrainServiceSettings batchSize(int examples) {
        return set("train.batch-size", examples);
    }

    public TrainServiceSettings seed(long seed) {
        return set("train.seed", seed);
    }

    public TrainServiceSettings warmupSteps(int steps) {
        return set("train.warmup-steps", steps);
    }

    /** Linear decay of the learning rate to {@link #decayFloor} at this step (0: none, for open-ended streams). */
    public TrainServiceSettings decaySteps(int steps) {
        return set("train.decay-steps", steps);
    }

    /** Fraction of the peak learning rate the decay ends at and holds after it. */
    public TrainServiceSettings decayFloor(float fraction) {
        return set("train.decay-floor", fraction);
    }

    public TrainServiceSettings learningRate(float rate) {
        return set("train.learning-rate", rate);
    }

    /** Weight of the hard-label loss; 1 trains on gold labels only. */
    public TrainServiceSettings alpha(float alpha) {
        return set("train.alpha", alpha);
    }

    /** The only teacher whose soft labels the run accepts. */
    public TrainServiceSettings teacherId(String teacherId) {
        return set("train.teacher-id", teacherId);
    }

    /** The student's classes, in index order. */
    public TrainServiceSettings labels(List<String> labels) {
        return set("train.labels", String.join(",", labels));
    }

    /** Where the student's weights start: a checkpoint, a Hugging Face directory or {@code pretrained:<id>}. */
    public TrainServiceSettings initFrom(String source) {
        return set(INIT_FROM, source);
    }

    /** A student of this width and depth (heads and length left to their defaults). */
    public TrainServiceSettings student(int hiddenSize, int layers) {
        set("train.student.hidden-size", hiddenSize);
        return set("train.student.layers", layers);
    }

    /** A student of this size: width, depth, heads, feed-forward width and sequence length. */
    public TrainServiceSettings student(ModelConfig size) {
        student(size.hiddenSize(), size.layers());
        set("train.student.heads", size.heads());
        set("train.student.intermediate-size", size.intermediateSize());
        return set("train.student.max-length", size.maxLength());
    }

    /** Intermediate-layer distillation: student:teacher layer pairs and the teacher's width. */
    public TrainServiceSettings layerMap(String pairs, int teacherHiddenSize) {
        set("train.layer-map", pairs);
        return set("train.layer-map-teacher-hidden-size", teacherHiddenSize);
    }
}
