package dev.distill.train.ml;

import ai.djl.ndarray.NDManager;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.pretrained.ModelSource;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.LayerMatching;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.weights.BertNames;
import dev.distill.train.config.RunConfiguration;
import dev.distill.train.config.TrainConfig;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Builds the run's student from the settings: from {@code train.init-from}'s weights when set (its width, heads and
 * vocabulary taken from the source), else at random at the configured size. Call on the student's model thread.
 */
final class StudentFactory {
    private static final Logger LOG = Logger.getLogger(StudentFactory.class);
    private static final int SCRATCH_WIDTH = 64;
    private static final int SCRATCH_LAYERS = 2;
    private static final int SCRATCH_HEADS = 2;
    private static final int SCRATCH_LENGTH = 64;
    private static final int SOURCE_LENGTH = 128;

    private final TrainConfig config;
    private final TrainingSettings settings;
    /** Null unless intermediate-layer distillation is on. */
    private final LayerMatching matching;

    StudentFactory(TrainConfig config, TrainingSettings settings, LayerMatching matching) {
        this.config = config;
        this.settings = settings;
        this.matching = matching;
    }

    /**
     * A built student.
     *
     * @param stride the source layer stride it was initialised with, or {@code null} for random weights (or a resume)
     */
    record Student(ModelConfig model, DistillationTrainer trainer, Integer stride) {
    }

    /**
     * Builds the student for these classes, or for those of the source's head when {@code labels} is null.
     *
     * @param initialize take the source's weights (a resumed run takes the checkpoint's instead; the source is still
     *                   read to size the model the same way)
     * @return the student, or null when its classes are not known yet
     */
    Student build(List<String> labels, boolean initialize) {
        TrainConfig.Student size = config.student();
        if (config.initFrom().isEmpty()) {
            if (labels == null) {
                return null;
            }
            int width = size.hiddenSize().orElse(SCRATCH_WIDTH);
            int length = size.maxLength().orElse(SCRATCH_LENGTH);
            ModelConfig model = new ModelConfig(size.vocabSize(), width, size.layers().orElse(SCRATCH_LAYERS),
                    size.heads().orElse(SCRATCH_HEADS), size.intermediateSize().orElse(4 * width), length, 2, length,
                    labels);
            return new Student(model, trainer(model), null);
        }
        try (NDManager scratch = NDManager.newBaseManager(Devices.preferred())) {
            int length = size.maxLength().orElse(SOURCE_LENGTH);
            ModelSource source = ModelSource.read(config.initFrom().get(), scratch, length);
            boolean hasHead = source.weights().containsKey(BertNames.CLASSIFIER + BertNames.WEIGHT);
            List<String> classes = labels != null ? labels : hasHead ? source.config().labels() : null;
            if (classes == null) {
                return null;
            }
            ModelConfig sourceSize = source.modelWith(size.layers().orElse(null), length, classes);
            size.intermediateSize().filter(width -> width > sourceSize.intermediateSize()).ifPresent(width -> {
                throw new IllegalArgumentException(RunConfiguration.STUDENT_INTERMEDIATE_SIZE + " is " + width
                        + ", but " + RunConfiguration.INIT_FROM + " " + source.name() + " is "
                        + sourceSize.intermediateSize() + " wide there; a student can only be narrower");
            });
            ModelConfig model = size.intermediateSize().map(sourceSize::withIntermediateSize).orElse(sourceSize);
            size.hiddenSize().filter(width -> width != model.hiddenSize()).ifPresent(width -> {
                throw new IllegalArgumentException(RunConfiguration.STUDENT_HIDDEN_SIZE + " is " + width + ", but "
                        + RunConfiguration.INIT_FROM + " " + source.name() + " is " + model.hiddenSize()
                        + " wide; leave it unset");
            });
            size.heads().filter(heads -> heads != model.heads()).ifPresent(heads -> {
                throw new IllegalArgumentException(RunConfiguration.STUDENT_HEADS + " is " + heads + ", but "
                        + RunConfiguration.INIT_FROM + " " + source.name() + " has " + model.heads()
                        + " heads; leave it unset");
            });
            DistillationTrainer trainer = trainer(model);
            if (!initialize) {
                return new Student(model, trainer, null);
            }
            int stride = config.initLayerStride().orElse(source.defaultStride(model.layers()));
            List<String> kept = trainer.initializeFrom(source, stride);
            LOG.infof("student %s initialised from %s (every %d. layer); random: %s", model, source.name(), stride,
                    kept);
            return new Student(model, trainer, stride);
        }
    }

    private DistillationTrainer trainer(ModelConfig model) {
        return new DistillationTrainer(model, settings, config.tokenizer(), Devices.preferred(), matching);
    }
}
