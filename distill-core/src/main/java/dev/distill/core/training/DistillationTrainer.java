package dev.distill.core.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.tracker.Tracker;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.checkpoint.ParameterSnapshot;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.HiddenStateLoss;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.NativeAllocator;
import dev.distill.core.model.ParameterCount;
import dev.distill.core.model.ProjectedStudent;
import dev.distill.core.model.Scalars;
import dev.distill.core.pretrained.ModelSource;
import dev.distill.core.pruning.StructuredPruning;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import dev.distill.core.weights.WeightTransfer;
import dev.distill.core.wire.SoftLabel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Owns a student model and its optimizer and applies one {@link DistillationLoss} step per batch of soft labels.
 * Not thread-safe: one training thread drives it.
 */
public final class DistillationTrainer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DistillationTrainer.class.getName());
    private final Model model;
    private final Trainer trainer;
    private final BertClassifier block;
    private final TextTokenizer tokenizer;
    private final DistillationLoss loss;
    /** Null unless intermediate-layer distillation is on. */
    private final LayerMatching matching;
    private final HiddenStateLoss hiddenStateLoss = new HiddenStateLoss();
    private final InPlaceAdam optimizer;
    /** Steps of the run before this trainer took it over ({@link #resumeFrom}); the schedule continues after them. */
    private long completedSteps;
    private long skippedSteps;

    public DistillationTrainer(ModelConfig modelConfig, TrainingSettings settings, Path tokenizerJson,
            Device device) {
        this(modelConfig, settings, tokenizerJson, device, null);
    }

    /**
     * @param matching intermediate-layer distillation, or {@code null}; with it, every label passed to
     *                 {@link #step} carries the matched teacher states ({@link LayerMatching#select})
     */
    public DistillationTrainer(ModelConfig modelConfig, TrainingSettings settings, Path tokenizerJson,
            Device device, LayerMatching matching) {
        NativeAllocator.configure();
        Engine.getInstance().setRandomSeed(settings.seed());
        Tracker schedule = settings.schedule();
        Tracker resumableSchedule = update -> schedule.getNewValue(
                (int) Math.min(Integer.MAX_VALUE, update + completedSteps));
        this.block = new BertClassifier(modelConfig);
        this.loss = new DistillationLoss(settings.alpha(), settings.temperature());
        this.matching = matching;
        this.model = Model.newInstance("student", device);
        try {
            model.setBlock(matching == null ? block
                    : new ProjectedStudent(block, matching.studentLayers(), matching.teacherHiddenSize()));
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                    .optInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT)
                    .optDevices(new Device[] {device});
            this.trainer = model.newTrainer(config);
            trainer.initialize(BertClassifier.inputShapes(1, 2));
            this.optimizer = new InPlaceAdam(resumableSchedule);
            this.tokenizer = TextTokenizer.load(tokenizerJson, modelConfig.maxLength());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Starts the student from another model's weights instead of random ones: a teacher checkpoint or a pretrained
     * encoder, taking every {@code stride}-th of its layers ({@link BertClassifier#initializeFrom}).
     *
     * @return the parameters the source had nothing for (they keep their random values)
     */
    public List<String> initializeFrom(ModelSource source, int stride) {
        return block.initializeFrom(source.weights(), source.config(), stride, source.name());
    }

    public ParameterCount parameterCount() {
        return block.parameterCount();
    }

    public ModelConfig modelConfig() {
        return block.config();
    }

    /** @throws IllegalArgumentException naming the first label that cannot be trained on ({@link TrainableLabels}) */
    public void check(List<SoftLabel> labels) {
        TrainableLabels.check(labels, block.config().numClasses(), loss.alpha());
    }

    /**
     * One optimizer step on the batch.
     *
     * @return the batch's loss and divergence before the step
     * @throws IllegalArgumentException if a label cannot be trained on ({@link #check})
     */
    public StepLoss step(List<SoftLabel> labels) {
        return withoutAutograd(() -> {
            try (NDManager step = trainer.getManager().newSubManager()) {
                StepLoss measured = backward(labels, step);
                if (gradientsFinite(step)) {
                    optimizer.step(model.getBlock().getParameters().values(),
                            parameter -> gradientOf(parameter, step));
                    return measured;
                }
                skippedSteps++;
                LOG.warning("a gradient was not finite: the update was skipped (" + skippedSteps + " so far)");
                return new StepLoss(measured.loss(), measured.divergence(), true);
            }
        });
    }

    /**
     * Runs the work with PyTorch's autograd off on the calling thread, as DJL leaves it only on the thread that
     * loaded the engine: on any other, the in-place update of a weight fails (a leaf that requires its gradient
     * changed in place) and inference records a graph. The gradient collector turns it on for the backward pass.
     */
    private static <T> T withoutAutograd(Supplier<T> work) {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return work.get();
        } finally {
            JniUtils.setGradMode(previous);
        }
    }

    /**
     * Adds the batch's head and neuron importance ({@link StructuredPruning.Importance}) from the gradients of its
     * loss; the model is not updated.
     */
    public void addImportance(List<SoftLabel> labels, StructuredPruning.Importance importance) {
        withoutAutograd(() -> {
            try (NDManager step = trainer.getManager().newSubManager()) {
                backward(labels, step);
                Map<String, Parameter> weights = block.weights();
                importance.add(block.config(), name -> weights.get(name).getArray(),
                        name -> gradientOf(weights.get(name), step));
                zeroGradients(step);
                return null;
            }
        });
    }

    /** The batch's loss, with its gradients in the parameters. */
    private StepLoss backward(List<SoftLabel> labels, NDManager step) {
        check(labels);
        int numClasses = block.config().numClasses();
        float[][] gold = new float[labels.size()][numClasses];
        float[][] teacher = new float[labels.size()][numClasses];
        List<String> texts = new ArrayList<>(labels.size());
        for (int i = 0; i < labels.size(); i++) {
            SoftLabel label = labels.get(i);
            texts.add(label.text());
            if (label.label() != null) {
                gold[i][label.label()] = 1f;
            }
            if (label.logits() != null) {
                teacher[i] = label.logits();
            }
        }
        TokenizedBatch tokens = tokenizer.encode(texts);
        NDList inputs = new NDList(step.create(tokens.inputIds()), step.create(tokens.attentionMask()));
        NDList targets = new NDList(step.create(gold), step.create(teacher));
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList predictions = trainer.forward(inputs);
            NDList terms = loss.evaluateTerms(targets, predictions);
            NDArray batchLoss = terms.get(0);
            if (matching != null) {
                NDList projected = new NDList(predictions.subList(1, predictions.size()));
                batchLoss = batchLoss.add(Scalars.times(hiddenStateLoss.evaluate(matching.teacherStates(labels, step),
                        projected), matching.weight()));
            }
            collector.backward(batchLoss);
            return new StepLoss(batchLoss.getFloat(), terms.get(1).getFloat(), false);
        }
    }

    /**
     * Whether every gradient is finite; if not, zeroes them all. One infinite or NaN gradient would make Adam's
     * moments, and through them every later update, NaN (seen fine-tuning bge-small: once in a few hundred steps), so
     * such an update is skipped, as mixed-precision training skips an overflowing step. One sum over all gradients
     * tells (a NaN or infinity carries through it), read back once: a test per parameter would wait for the engine
     * once per parameter and scan the embedding table's gradient twice.
     */
    private boolean gradientsFinite(NDManager step) {
        NDArray total = null;
        for (Parameter parameter : model.getBlock().getParameters().values()) {
            NDArray sum = gradientOf(parameter, step).sum();
            total = total == null ? sum : total.add(sum);
        }
        boolean finite = total == null || Float.isFinite(total.getFloat());
        if (!finite) {
            zeroGradients(step);
        }
        return finite;
    }

    /** Gradients add up until an update consumes them: without one, they are cleared by hand. */
    private void zeroGradients(NDManager step) {
        for (Parameter parameter : model.getBlock().getParameters().values()) {
            gradientOf(parameter, step).set(new NDIndex("..."), 0f);
        }
    }

    /** The parameter's gradient, as a handle freed with the step's arrays. */
    private static NDArray gradientOf(Parameter parameter, NDManager step) {
        NDArray gradient = parameter.getArray().getGradient();
        gradient.attach(step);
        return gradient;
    }

    /** Updates skipped because a gradient was not finite. */
    public long skippedSteps() {
        return skippedSteps;
    }

    /** Logits of the current parameters for the texts, in inference mode (no dropout). */
    public float[][] logits(List<String> texts) {
        TokenizedBatch tokens = tokenizer.encode(texts);
        return withoutAutograd(() -> {
            try (NDManager step = trainer.getManager().newSubManager()) {
                NDList inputs = new NDList(step.create(tokens.inputIds()), step.create(tokens.attentionMask()));
                NDArray logits = block.forward(new ParameterStore(step, false), inputs, false).head();
                return TextClassifier.toMatrix(logits);
            }
        });
    }

    /** Writes the current parameters as a checkpoint under {@code root}, with no examples in its ledger. */
    public Path checkpoint(Path root, CheckpointManifest manifest) {
        return checkpoint(root, manifest, List.of());
    }

    /** Writes the current parameters as a checkpoint under {@code root}, with the examples applied since its parent. */
    public Path checkpoint(Path root, CheckpointManifest manifest, List<String> appliedExampleIds) {
        return Checkpoints.write(root, manifest, block, appliedExampleIds);
    }

    /** The current parameters, copied: a checkpoint can be written from the copy while training goes on. */
    public ParameterSnapshot snapshot() {
        return withoutAutograd(() -> ParameterSnapshot.of(block.weights()));
    }

    /**
     * Continues a run from one of its checkpoints: takes its parameters and moves the learning-rate schedule to its
     * step. Adam's moment estimates are not in checkpoints; they restart from zero, as after a warm restart.
     */
    public void resumeFrom(Path checkpoint) {
        CheckpointManifest manifest = Checkpoints.readManifest(checkpoint);
        if (!manifest.model().equals(block.config())) {
            throw new IllegalArgumentException("cannot resume student " + block.config() + " from checkpoint "
                    + checkpoint + " of model " + manifest.model());
        }
        try (NDManager scratch = trainer.getManager().newSubManager()) {
            WeightTransfer.assign(block.weights(), Checkpoints.readWeights(checkpoint, scratch),
                    "checkpoint " + checkpoint);
        }
        completedSteps = manifest.step();
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
        tokenizer.close();
    }
}
