package dev.distill.train.ml;

import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.checkpoint.ParameterSnapshot;
import dev.distill.core.model.ModelThread;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.LayerMatching;
import dev.distill.core.training.StepLoss;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.RecordIds;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.train.config.RunConfiguration;
import dev.distill.train.config.TrainConfig;
import dev.distill.train.metrics.TrainingMetrics;
import dev.distill.train.position.ResumePoint;
import dev.distill.train.position.StreamPosition;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;

/**
 * The student of this instance's run. Every method that touches the model is synchronised: the Kafka consumer and
 * the idle-checkpoint timer both reach it from worker threads.
 */
@Startup
@ApplicationScoped
public class StudentTrainer {
    private static final Logger LOG = Logger.getLogger(StudentTrainer.class);
    private static final Duration WRITES_AT_SHUTDOWN = Duration.ofSeconds(30);

    private final TrainConfig config;
    private final TrainingMetrics metrics;
    private final StreamPosition position;
    private final ModelThread modelThread = new ModelThread("student");
    private final CheckpointWriter checkpointWriter;
    private final StudentFactory students;
    /** Null until the student's classes are known (the first batch names them when nothing else did). */
    private DistillationTrainer trainer;
    private final String runId;
    private final SortedMap<String, String> resolvedConfig;
    /** The checkpoint this start resumed from, announced again in case the last start stopped before doing so. */
    private final CheckpointEvent resumedCheckpoint;
    private final BatchAdmission admission;
    /** Examples applied since the last checkpoint, for its ledger. */
    private final List<String> appliedSinceCheckpoint = new ArrayList<>();
    private String lastCheckpointId;
    /** Null unless intermediate-layer distillation is on. */
    private final LayerMatching matching;
    private long steps;
    private long examplesSeen;
    private long lastCheckpointStep;
    private double lossSinceCheckpoint;
    private long lastStepNanos = System.nanoTime();
    /** The newest example applied so far (this run, resumes included); null until a producer said when. */
    private ExampleTimes newestExample;
    /** Read by REST on the event loop, so published without the lock that training holds. */
    private volatile Progress progress;

    /** Where the run stands right now. */
    public record Progress(String runId, long steps, long examplesSeen, double lastLoss) {
    }

    public StudentTrainer(TrainConfig config, TrainingMetrics metrics, StreamPosition position) throws IOException {
        this.config = config;
        this.metrics = metrics;
        this.position = position;
        this.checkpointWriter = new CheckpointWriter(config.checkpointDir());
        String nameProblem = RecordIds.problem("run name", config.runName());
        if (nameProblem != null) {
            throw new IllegalArgumentException(nameProblem);
        }
        TrainingSettings settings = new TrainingSettings(config.alpha(), config.temperature(), config.learningRate(),
                config.warmupSteps(), config.decaySteps(), config.seed(), config.decayFloor());
        SortedMap<String, String> configured = RunConfiguration.of(config);
        String tokenizerId = Sha256.of(config.tokenizer());
        configured.put(RunConfiguration.TOKENIZER_ID, tokenizerId);
        this.matching = config.layerMap().map(pairs -> LayerMatching.parse(pairs,
                config.layerMapTeacherHiddenSize().orElseThrow(() -> new IllegalArgumentException(
                        RunConfiguration.LAYER_MAP + " needs " + RunConfiguration.LAYER_MAP_TEACHER_HIDDEN_SIZE)),
                config.layerMapWeight())).orElse(null);
        this.students = new StudentFactory(config, settings, matching);
        ResumePoint resume = ResumePoint.newest(config.checkpointDir()).orElse(null);
        if (resume != null) {
            CheckpointManifest manifest = resume.manifest();
            StudentFactory.Student student = modelThread.call(() -> students.build(manifest.model().labels(), false));
            this.trainer = student.trainer();
            configured.putAll(RunConfiguration.student(student.model()));
            // classes set now must be the run's
            config.labels().ifPresent(labels -> configured.put(RunConfiguration.LABELS, String.join("\n", labels)));
            this.resolvedConfig = RunConfiguration.resumed(manifest, configured, resume.directory());
            modelThread.run(() -> trainer.resumeFrom(resume.directory()));
            this.runId = manifest.runId();
            this.steps = manifest.step();
            this.examplesSeen = manifest.examplesSeen();
            this.lastCheckpointStep = steps;
            this.lastCheckpointId = manifest.checkpointId();
            this.newestExample = ExampleTimes.of(manifest.streamTimes());
            position.restore(manifest.consumedOffsets());
            this.resumedCheckpoint = resume.announcement();
            LOG.infof("run %s resumed from %s at step %d, reading on from offsets %s", runId, resume.directory(),
                    steps, position);
        } else {
            this.resolvedConfig = configured;
            this.runId = UUID.randomUUID().toString();
            this.resumedCheckpoint = null;
            build(config.labels().orElse(null));
            LOG.infof("run %s started: %s", runId, resolvedConfig);
        }
        this.admission = new BatchAdmission(config.tokenizer(), tokenizerId,
                resolvedConfig.get(RunConfiguration.TEACHER_ID));
        this.progress = new Progress(runId, steps, examplesSeen, Double.NaN);
    }

    public Progress progress() {
        return progress;
    }

    /**
     * Builds the student of a new run for these classes, or for the classes of {@code init-from}'s head when
     * {@code labels} is null; leaves it for the first batch to name them when neither is known.
     */
    private void build(List<String> labels) {
        StudentFactory.Student student = modelThread.call(() -> students.build(labels, true));
        if (student == null) {
            LOG.infof("run %s: the student is built when the first batch names its classes", runId);
            return;
        }
        trainer = student.trainer();
        resolvedConfig.putAll(RunConfiguration.student(student.model()));
        if (student.stride() != null) {
            resolvedConfig.put(RunConfiguration.INIT_LAYER_STRIDE, String.valueOf(student.stride()));
        } else {
            resolvedConfig.remove(RunConfiguration.INIT_FROM);
        }
    }

    public String runId() {
        return runId;
    }

    public SortedMap<String, String> resolvedConfig() {
        return resolvedConfig;
    }

    /** The run's name (as its first start was configured). */
    public String runName() {
        return resolvedConfig.get(RunConfiguration.RUN_NAME);
    }

    /**
     * Trains on the batch in one record in optimizer steps of at most {@code batch-size} examples; starts a
     * checkpoint once {@code checkpoint-every-steps} steps have passed, always at a record boundary, and returns
     * before it is written (the stage completes when it is). A record before the student's stream position was
     * applied already (redelivered after a rebalance) and is skipped. A record that cannot be decoded or is refused
     * counts as consumed: it goes to the dead-letter topic, not back into training.
     *
     * @param times when the record's newest example entered the stream and was labelled; null if not known
     */
    public synchronized CompletionStage<StepOutcome> train(String topic, int partition, long offset, byte[] payload,
            ExampleTimes times) {
        if (!position.advance(topic, partition, offset)) {
            LOG.debugf("record %s-%d@%d was applied already; skipped", topic, partition, offset);
            return progressOnly(Double.NaN);
        }
        List<SoftLabel> labels = accept(SoftLabelCodec.decode(payload));
        float loss = 0;
        for (int start = 0; start < labels.size(); start += config.batchSize()) {
            List<SoftLabel> step = labels.subList(start, Math.min(labels.size(), start + config.batchSize()));
            long started = System.nanoTime();
            StepLoss measured = modelThread.call(() -> trainer.step(step));
            metrics.stepped(step.size(), measured, System.nanoTime() - started);
            loss = measured.loss();
            steps++;
            lossSinceCheckpoint += loss;
        }
        labels.forEach(label -> appliedSinceCheckpoint.add(label.exampleId()));
        examplesSeen += labels.size();
        newestExample = ExampleTimes.newer(newestExample, times);
        lastStepNanos = System.nanoTime();
        progress = new Progress(runId, steps, examplesSeen, loss);
        return steps - lastCheckpointStep >= config.checkpointEverySteps() ? checkpoint() : progressOnly(loss);
    }

    private CompletionStage<StepOutcome> progressOnly(double loss) {
        return CompletableFuture.completedStage(new StepOutcome(steps, examplesSeen, loss, null, null));
    }

    /** The checkpoint this start resumed from, if any. */
    public Optional<CheckpointEvent> resumedCheckpoint() {
        return Optional.ofNullable(resumedCheckpoint);
    }

    /**
     * Refuses batches the run does not train on ({@link BatchAdmission}) and batches with a label the student cannot
     * be trained on; builds the student for the first batch's classes when they were not known before.
     *
     * @return the labels to train on
     */
    private List<SoftLabel> accept(SoftLabelBatch batch) {
        List<String> classes = admission.classes(batch);
        if (trainer == null) {
            build(classes);
            LOG.infof("run %s: student built for the classes %s of batch %s", runId, classes, batch.batchId());
        } else if (batch.classes() != null && !classes.equals(trainer.modelConfig().labels())) {
            throw new BatchRefusedException("batch " + batch.batchId() + " labels the classes " + classes
                    + ", but this run's student has " + trainer.modelConfig().labels());
        }
        List<SoftLabel> labels;
        try {
            labels = matching == null ? batch.labels() : matching.select(batch);
            trainer.check(labels);
        } catch (IllegalArgumentException e) {
            throw new BatchRefusedException("batch " + batch.batchId() + " cannot be trained on: " + e.getMessage());
        }
        if (admission.pin(batch)) {
            resolvedConfig.put(RunConfiguration.TEACHER_ID, batch.teacherId());
            LOG.infof("run %s trains on soft labels of teacher %s", runId, batch.teacherId());
        }
        return labels;
    }

    /**
     * Writes a checkpoint if steps are unsaved and no batch came for {@code checkpoint-when-idle}; otherwise tells
     * where the run stands.
     */
    public synchronized CompletionStage<StepOutcome> checkpointIfIdle() {
        boolean idle = System.nanoTime() - lastStepNanos >= config.checkpointWhenIdle().toNanos();
        return idle ? checkpointIfUnsaved() : progressOnly(progress.lastLoss());
    }

    /** Writes a checkpoint if steps were applied since the last one. */
    public synchronized CompletionStage<StepOutcome> checkpointIfUnsaved() {
        return steps > lastCheckpointStep ? checkpoint() : progressOnly(Double.NaN);
    }

    /**
     * Copies the parameters and starts writing them as a checkpoint on the writer thread; training goes on meanwhile.
     *
     * @return the outcome with the checkpoint, once written
     */
    private CompletionStage<StepOutcome> checkpoint() {
        String checkpointId = UUID.randomUUID().toString();
        double meanLoss = lossSinceCheckpoint / Math.max(1, steps - lastCheckpointStep);
        SortedMap<String, Long> offsets = position.snapshot();
        CheckpointManifest manifest = new CheckpointManifest(Checkpoints.FORMAT_VERSION, checkpointId, runId, steps,
                examplesSeen, Instant.now().toString(), trainer.modelConfig(), resolvedConfig, null, meanLoss,
                lastCheckpointId, offsets, newestExample == null ? null : newestExample.toManifest());
        ParameterSnapshot parameters = modelThread.call(trainer::snapshot);
        List<String> applied = List.copyOf(appliedSinceCheckpoint);
        long step = steps;
        long seen = examplesSeen;
        lastCheckpointStep = steps;
        lastCheckpointId = checkpointId;
        lossSinceCheckpoint = 0;
        appliedSinceCheckpoint.clear();
        return checkpointWriter.write(parameters, manifest, applied).thenApply(directory -> new StepOutcome(step, seen, meanLoss, new CheckpointEvent(runId, checkpointId,
                        step, seen, directory.toString(), meanLoss), offsets));
    }

    /**
     * Last resort: steps still unsaved here (the shutdown checkpoint failed) at least reach the disk. Checkpoints
     * still being written get {@link #WRITES_AT_SHUTDOWN} to finish.
     */
    @PreDestroy
    synchronized void close() throws InterruptedException {
        if (steps > lastCheckpointStep) {
            checkpoint();
        }
        checkpointWriter.close(WRITES_AT_SHUTDOWN);
        if (trainer != null) {
            modelThread.run(trainer::close);
        }
        modelThread.close();
    }
}
