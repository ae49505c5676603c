package dev.distill.train.ml;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.LayerMatching;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.train.config.TrainConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.SortedMap;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The student of this instance's run. Every method that touches the model is synchronised: the Kafka consumer and
 * the idle-checkpoint timer both reach it from worker threads.
 */
@Startup
@ApplicationScoped
public class StudentTrainer {
    private static final Logger LOG = Logger.getLogger(StudentTrainer.class);

    private final TrainConfig config;
    private final DistillationTrainer trainer;
    private final String runId = UUID.randomUUID().toString();
    private final SortedMap<String, String> resolvedConfig;
    private final String tokenizerId;
    private String teacherId;
    /** Null unless intermediate-layer distillation is on. */
    private final LayerMatching matching;
    private long steps;
    private long examplesSeen;
    private long lastCheckpointStep;
    private double lossSinceCheckpoint;
    private long lastStepNanos = System.nanoTime();

    public StudentTrainer(TrainConfig config) throws IOException {
        this.config = config;
        TrainingSettings settings = new TrainingSettings(config.alpha(), config.temperature(), config.learningRate(),
                config.warmupSteps(), config.decaySteps(), config.seed());
        this.resolvedConfig = resolve(config, settings);
        this.tokenizerId = Sha256.of(config.tokenizer());
        this.teacherId = config.teacherId().orElse(null);
        resolvedConfig.put("train.tokenizer-id", tokenizerId);
        config.teacherId().ifPresent(id -> resolvedConfig.put("train.teacher-id", id));
        TrainConfig.Student student = config.student();
        ModelConfig model = new ModelConfig(student.vocabSize(), student.hiddenSize(), student.layers(),
                student.heads(), student.maxLength(), student.numClasses());
        this.matching = config.layerMap().map(pairs -> LayerMatching.parse(pairs,
                config.layerMapTeacherHiddenSize().orElseThrow(() -> new IllegalArgumentException(
                        "train.layer-map needs train.layer-map-teacher-hidden-size")),
                config.layerMapWeight())).orElse(null);
        this.trainer = new DistillationTrainer(model, settings, config.tokenizer(), Devices.preferred(), matching);
        config.initFrom().ifPresent(teacher -> {
            int stride = config.initLayerStride()
                    .orElse(Math.max(1, Checkpoints.readManifest(teacher).model().layers() / student.layers()));
            trainer.initializeFrom(teacher, stride);
            resolvedConfig.put("train.init-from", teacher.toString());
            resolvedConfig.put("train.init-layer-stride", String.valueOf(stride));
        });
        LOG.infof("run %s started: %s", runId, resolvedConfig);
    }

    public String runId() {
        return runId;
    }

    public SortedMap<String, String> resolvedConfig() {
        return resolvedConfig;
    }

    /**
     * Trains on the batch in optimizer steps of at most {@code batch-size} examples; writes a checkpoint once
     * {@code checkpoint-every-steps} steps have passed, always at a batch boundary.
     */
    public synchronized StepOutcome train(SoftLabelBatch batch) {
        checkProvenance(batch);
        List<SoftLabel> labels = matching == null ? batch.labels() : matching.select(batch);
        float loss = 0;
        for (int start = 0; start < labels.size(); start += config.batchSize()) {
            loss = trainer.step(labels.subList(start, Math.min(labels.size(), start + config.batchSize())));
            steps++;
            lossSinceCheckpoint += loss;
        }
        examplesSeen += labels.size();
        lastStepNanos = System.nanoTime();
        CheckpointEvent checkpoint = steps - lastCheckpointStep >= config.checkpointEverySteps() ? checkpoint() : null;
        return new StepOutcome(steps, examplesSeen, loss, checkpoint);
    }

    /** Refuses batches of another teacher or tokenizer: their soft labels do not describe this run's inputs. */
    private void checkProvenance(SoftLabelBatch batch) {
        if (!tokenizerId.equals(batch.tokenizerId())) {
            throw new BatchRefusedException("batch " + batch.batchId() + " was tokenized by the teacher with tokenizer "
                    + batch.tokenizerId() + ", but this run's tokenizer " + config.tokenizer() + " is " + tokenizerId);
        }
        if (teacherId == null) {
            teacherId = batch.teacherId();
            resolvedConfig.put("train.teacher-id", teacherId);
            LOG.infof("run %s trains on soft labels of teacher %s", runId, teacherId);
        } else if (!teacherId.equals(batch.teacherId())) {
            throw new BatchRefusedException("batch " + batch.batchId() + " comes from teacher " + batch.teacherId()
                    + ", but this run trains on teacher " + teacherId + " (train.teacher-id)");
        }
    }

    /** Writes a checkpoint if steps are unsaved and no batch came for {@code checkpoint-when-idle}. */
    public synchronized StepOutcome checkpointIfIdle() {
        boolean idle = System.nanoTime() - lastStepNanos >= config.checkpointWhenIdle().toNanos();
        return idle ? checkpointIfUnsaved() : new StepOutcome(steps, examplesSeen, Double.NaN, null);
    }

    /** Writes a checkpoint if steps were applied since the last one. */
    public synchronized StepOutcome checkpointIfUnsaved() {
        CheckpointEvent checkpoint = steps > lastCheckpointStep ? checkpoint() : null;
        return new StepOutcome(steps, examplesSeen, Double.NaN, checkpoint);
    }

    private CheckpointEvent checkpoint() {
        String checkpointId = UUID.randomUUID().toString();
        double meanLoss = lossSinceCheckpoint / Math.max(1, steps - lastCheckpointStep);
        CheckpointManifest manifest = new CheckpointManifest(Checkpoints.FORMAT_VERSION, checkpointId, runId, steps,
                examplesSeen, Instant.now().toString(), trainer.modelConfig(), resolvedConfig, null, meanLoss);
        Path directory = trainer.checkpoint(config.checkpointDir(), manifest).toAbsolutePath();
        lastCheckpointStep = steps;
        lossSinceCheckpoint = 0;
        LOG.infof("checkpoint %s at step %d (%d examples, mean loss %.4f)", directory, steps, examplesSeen,
                meanLoss);
        return new CheckpointEvent(runId, checkpointId, steps, examplesSeen, directory.toString(), meanLoss);
    }

    /** The run's configuration as JSON, for the run row. */
    public String resolvedConfigJson() {
        try {
            return new ObjectMapper().writeValueAsString(resolvedConfig);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Last resort: steps still unsaved here (the shutdown checkpoint failed) at least reach the disk. */
    @PreDestroy
    synchronized void close() {
        if (steps > lastCheckpointStep) {
            checkpoint();
        }
        trainer.close();
    }

    private static SortedMap<String, String> resolve(TrainConfig config, TrainingSettings settings) {
        SortedMap<String, String> resolved = settings.asRunConfig();
        resolved.put("train.run-name", config.runName());
        resolved.put("train.tokenizer", config.tokenizer().toString());
        resolved.put("train.checkpoint-dir", config.checkpointDir().toString());
        resolved.put("train.batch-size", String.valueOf(config.batchSize()));
        resolved.put("train.checkpoint-every-steps", String.valueOf(config.checkpointEverySteps()));
        resolved.put("train.checkpoint-when-idle", config.checkpointWhenIdle().toString());
        config.layerMap().ifPresent(pairs -> {
            resolved.put("train.layer-map", pairs);
            resolved.put("train.layer-map-weight", String.valueOf(config.layerMapWeight()));
        });
        config.layerMapTeacherHiddenSize().ifPresent(size ->
                resolved.put("train.layer-map-teacher-hidden-size", String.valueOf(size)));
        TrainConfig.Student student = config.student();
        resolved.put("train.student.vocab-size", String.valueOf(student.vocabSize()));
        resolved.put("train.student.hidden-size", String.valueOf(student.hiddenSize()));
        resolved.put("train.student.layers", String.valueOf(student.layers()));
        resolved.put("train.student.heads", String.valueOf(student.heads()));
        resolved.put("train.student.max-length", String.valueOf(student.maxLength()));
        resolved.put("train.student.num-classes", String.valueOf(student.numClasses()));
        return resolved;
    }
}
