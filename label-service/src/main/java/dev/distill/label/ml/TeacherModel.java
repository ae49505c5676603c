package dev.distill.label.ml;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.Sha256;
import dev.distill.core.model.Devices;
import dev.distill.core.model.TextClassifier;
import dev.distill.label.config.LabelConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The teacher, loaded once at start-up. Labelling runs on the single ordered worker of the examples channel, so one
 * predictor serves it; access is still serialised because DJL predictors are not thread-safe.
 */
@Startup
@ApplicationScoped
public class TeacherModel {
    private static final Logger LOG = Logger.getLogger(TeacherModel.class);

    private final TextClassifier classifier;
    private final Predictor<List<String>, float[][]> predictor;
    private final String tokenizerId;

    public TeacherModel(LabelConfig config) throws IOException {
        this.classifier = TextClassifier.open(config.teacher(), config.tokenizer(), Devices.preferred(),
                config.teacherMaxLength());
        this.predictor = classifier.newPredictor();
        this.tokenizerId = Sha256.of(config.tokenizer());
        LOG.infof("teacher %s loaded: %s", id(), classifier.description());
    }

    /** sha-256 of the teacher's parameters. */
    public String id() {
        return classifier.id();
    }

    /** sha-256 of the teacher's tokenizer.json. */
    public String tokenizerId() {
        return tokenizerId;
    }

    public int numClasses() {
        return classifier.numClasses();
    }

    /** Raw logits [texts][classes]. */
    public synchronized float[][] logits(List<String> texts) {
        try {
            return predictor.predict(texts);
        } catch (TranslateException e) {
            throw new IllegalStateException("teacher inference failed on a batch of " + texts.size() + ": "
                    + e.getMessage(), e);
        }
    }

    @PreDestroy
    void close() {
        predictor.close();
        classifier.close();
    }
}
