package dev.distill.label.ml;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabelSet;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelThread;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.label.config.LabelConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The teacher, loaded once at start-up, or none (gold labels pass through). Labelling runs on the single ordered
 * worker of the examples channel, so one predictor serves it; access is still serialised because DJL predictors are
 * not thread-safe.
 */
@Startup
@ApplicationScoped
public class TeacherModel {
    private static final Logger LOG = Logger.getLogger(TeacherModel.class);

    private final ModelThread modelThread = new ModelThread("teacher");
    /** Both null when no teacher is configured. */
    private final TextClassifier classifier;
    private final Predictor<List<String>, TextClassifier.TeacherOutput> predictor;
    /** Layers whose pooled states are published; empty for none. */
    private final int[] hiddenLayers;
    private final String tokenizerId;
    private final LabelSet labels;

    public TeacherModel(LabelConfig config) throws IOException {
        this.tokenizerId = Sha256.of(config.tokenizer());
        this.hiddenLayers = config.hiddenLayers().orElse(List.of()).stream().mapToInt(Integer::intValue).toArray();
        if (config.teacher().isPresent()) {
            this.classifier = modelThread.call(() -> open(config));
            this.predictor = modelThread.call(() -> classifier.newTeacherPredictor(hiddenLayers));
            this.labels = new LabelSet(classifier.labels());
            LOG.infof("teacher %s loaded: %s", id(), classifier.description());
        } else {
            if (hiddenLayers.length > 0) {
                throw new IllegalArgumentException(LabelConfig.HIDDEN_LAYERS_KEY + " needs a teacher ("
                        + LabelConfig.TEACHER_KEY + ")");
            }
            this.classifier = null;
            this.predictor = null;
            this.labels = new LabelSet(config.labels());
            LOG.warnf("no teacher (%s unset): gold labels of the classes %s (%s) pass through without logits, and "
                    + "every example needs a label; train-service refuses such batches unless it trains on gold "
                    + "labels alone (train.alpha=1)", LabelConfig.TEACHER_KEY, labels.names(), LabelConfig.LABELS_KEY);
        }
    }

    /** The teacher on the engine {@code label.teacher-engine} chooses. */
    private TextClassifier open(LabelConfig config) {
        Path teacher = config.teacher().orElseThrow();
        boolean checkpoint = Files.isRegularFile(teacher.resolve(Checkpoints.MANIFEST));
        boolean onnxRuntime = switch (config.teacherEngine()) {
            case PYTORCH -> false;
            case AUTO -> checkpoint && hiddenLayers.length == 0;
            case ONNX_RUNTIME -> {
                if (!checkpoint || hiddenLayers.length > 0) {
                    throw new IllegalArgumentException(LabelConfig.TEACHER_ENGINE_KEY + "=onnx-runtime runs a "
                            + "checkpoint teacher without " + LabelConfig.HIDDEN_LAYERS_KEY + "; " + teacher
                            + (checkpoint ? " is one, but hidden states come from PyTorch only"
                            : " is not a checkpoint (an exported teacher runs on the engine of its format)"));
                }
                yield true;
            }
        };
        return onnxRuntime ? TextClassifier.loadOnOnnxRuntime(teacher, config.tokenizer())
                : TextClassifier.open(teacher, config.tokenizer(), Devices.preferred(), config.teacherMaxLength());
    }

    public boolean present() {
        return classifier != null;
    }

    /** sha-256 of the teacher's parameters, or {@link SoftLabelBatch#NO_TEACHER}. */
    public String id() {
        return present() ? classifier.id() : SoftLabelBatch.NO_TEACHER;
    }

    /** sha-256 of the teacher's tokenizer.json. */
    public String tokenizerId() {
        return tokenizerId;
    }

    /** The classes examples are labelled with: the teacher's, or {@code label.labels} without one. */
    public LabelSet labels() {
        return labels;
    }

    /** The teacher layers whose states {@link #label} returns, or null when it returns none. */
    public int[] hiddenLayers() {
        return hiddenLayers.length == 0 ? null : hiddenLayers.clone();
    }

    /** Raw logits (and the asked-for hidden states), or null without a teacher. */
    public synchronized TextClassifier.TeacherOutput label(List<String> texts) {
        if (!present()) {
            return null;
        }
        return modelThread.call(() -> {
            try {
                return predictor.predict(texts);
            } catch (TranslateException e) {
                throw new IllegalStateException("teacher inference failed on a batch of " + texts.size() + ": "
                        + e.getMessage(), e);
            }
        });
    }

    @PreDestroy
    void close() {
        if (present()) {
            modelThread.run(() -> {
                predictor.close();
                classifier.close();
            });
        }
        modelThread.close();
    }
}
