package dev.distill.eval.ml;

import dev.distill.core.checkpoint.CheckpointException;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.evaluation.ClassificationMetrics;
import dev.distill.core.evaluation.HeldOutEvaluation;
import dev.distill.core.evaluation.HeldOutSet;
import dev.distill.core.evaluation.Latency;
import dev.distill.core.evaluation.ModelFigures;
import dev.distill.core.evaluation.OnnxEvaluation;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelThread;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.eval.config.EvalConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Scores checkpoints on the held-out set, which is read once at start-up, as are the teacher's predictions on it
 * (the teacher is loaded only for that and closed again), and times them on its sentences. Every model is loaded
 * and run on one thread, so timings do not compete with each other.
 */
@Startup
@ApplicationScoped
public class CheckpointScorer {
    private static final Logger LOG = Logger.getLogger(CheckpointScorer.class);
    /** Sentences timed in batches of 32: enough for a steady rate, few enough to keep scoring quick. */
    private static final int BATCHED_SENTENCES = 256;

    private final EvalConfig config;
    private final ModelThread modelThread = new ModelThread("scorer");
    /** Held-out rows with their labels as written: each model's classes give them indices. */
    private final HeldOutSet heldOut;
    private final List<String> texts;
    private final List<String> timedTexts;
    /** Null without a teacher. */
    private final TeacherPredictions teacher;

    /** The teacher's class (by name) for every held-out example, its scores, speed and (checkpoints only) size. */
    private record TeacherPredictions(List<String> classes, ClassificationMetrics metrics, Latency latency,
            ModelFigures figures) {
    }

    public CheckpointScorer(EvalConfig config) {
        this.config = config;
        this.heldOut = HeldOutSet.read(config.evalFile(), config.evalLimit());
        this.texts = heldOut.texts();
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("eval.eval-file " + config.evalFile() + " has no held-out rows");
        }
        if (config.latencySentences() < 1) {
            throw new IllegalArgumentException("eval.latency-sentences must be at least 1, got "
                    + config.latencySentences());
        }
        this.timedTexts = texts.subList(0, Math.min(BATCHED_SENTENCES, texts.size()));
        LOG.infof("held-out set: %d examples from %s", heldOut.size(), config.evalFile());
        if (!Files.isDirectory(config.checkpointDir())) {
            LOG.warnf("eval.checkpoint-dir %s does not exist (yet): it must be the directory train-service writes "
                    + "checkpoints to (its train.checkpoint-dir, on shared storage), or every checkpoint event is "
                    + "dead-lettered", config.checkpointDir().toAbsolutePath());
        }
        this.teacher = config.teacher().map(path -> modelThread.call(() -> {
            try (TextClassifier model = TextClassifier.open(path, config.tokenizer(), Devices.preferred(),
                    config.teacherMaxLength())) {
                int[] classes = HeldOutEvaluation.predict(model, texts, config.batchSize());
                int[] gold = heldOut.gold(model.labels());
                return new TeacherPredictions(names(model.labels(), classes),
                        ClassificationMetrics.of(gold, classes, model.numClasses()),
                        Latency.measure(model, timedTexts, config.latencySentences()),
                        Files.isRegularFile(path.resolve(Checkpoints.MANIFEST)) ? ModelFigures.of(path) : null);
            }
        })).orElse(null);
        if (teacher != null) {
            LOG.infof("teacher %s: held-out accuracy %.4f, %.1f ms/sentence at batch 1", config.teacher().get(),
                    teacher.metrics().accuracy(), teacher.latency().millisAtBatch1());
        }
    }

    /** The teacher's own held-out scores, if eval-service was given the teacher. */
    public Optional<ClassificationMetrics> teacherMetrics() {
        return Optional.ofNullable(teacher).map(TeacherPredictions::metrics);
    }

    /** The teacher's speed, timed as checkpoints are, if eval-service was given the teacher. */
    public Optional<Latency> teacherLatency() {
        return Optional.ofNullable(teacher).map(TeacherPredictions::latency);
    }

    /** The teacher's parameters and size, if eval-service was given a teacher checkpoint (not a TorchScript file). */
    public Optional<ModelFigures> teacherFigures() {
        return Optional.ofNullable(teacher).map(TeacherPredictions::figures);
    }

    /**
     * Accuracy, macro-F1 and teacher agreement of the checkpoint on the held-out set, its speed and size, and (with
     * {@code eval.onnx-scoring}) the same for its ONNX exports. Blocking: call from a worker thread.
     *
     * @param event names a checkpoint directory inside {@code eval.checkpoint-dir}, by the ids and counts its
     *              manifest holds
     * @throws CheckpointException if the checkpoint is outside that directory, or the event and the manifest disagree
     */
    public CheckpointEvaluation score(CheckpointEvent event) {
        Path directory;
        try {
            directory = Checkpoints.confine(config.checkpointDir(), event.path());
        } catch (CheckpointException e) {
            throw new CheckpointException(e.getMessage() + " (eval.checkpoint-dir must be train-service's "
                    + "train.checkpoint-dir)", e);
        }
        CheckpointManifest manifest = Checkpoints.readManifest(directory);
        String disagreement = manifest.disagreement(event);
        if (disagreement != null) {
            throw new CheckpointException("the checkpoint event does not announce the checkpoint in " + directory
                    + ": " + disagreement, null);
        }
        return modelThread.call(() -> {
            try (TextClassifier classifier = TextClassifier.load(directory, config.tokenizer(),
                    Devices.preferred())) {
                int[] gold = heldOut.gold(classifier.labels());
                int[] predicted = HeldOutEvaluation.predict(classifier, texts, config.batchSize());
                ClassificationMetrics metrics = ClassificationMetrics.of(gold, predicted, classifier.numClasses());
                return new CheckpointEvaluation(metrics, classifier.labels(),
                        teacher == null ? null : agreement(names(classifier.labels(), predicted)),
                        Latency.measure(classifier, timedTexts, config.latencySentences()),
                        ModelFigures.of(directory), config.onnxScoring() ? OnnxEvaluation.of(directory,
                        config.tokenizer(), heldOut, timedTexts, config.latencySentences(), config.batchSize())
                        : List.of(), manifest);
            }
        });
    }

    @PreDestroy
    void close() {
        modelThread.close();
    }

    /** Share of held-out examples where the checkpoint names the class the teacher names. */
    private double agreement(List<String> predicted) {
        int same = 0;
        for (int i = 0; i < predicted.size(); i++) {
            same += predicted.get(i).equals(teacher.classes().get(i)) ? 1 : 0;
        }
        return (double) same / predicted.size();
    }

    private static List<String> names(List<String> labels, int[] classes) {
        return Arrays.stream(classes).mapToObj(labels::get).toList();
    }
}
