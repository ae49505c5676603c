package dev.distill.eval.service;

import dev.distill.core.wire.PromotionEvent;
import dev.distill.eval.config.EvalConfig;
import dev.distill.eval.ml.ServingModel;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Predictions of the promoted student ({@code POST /predict}): the student promoted at start-up serves first, and
 * every promotion or rollback announced afterwards switches it.
 */
@ApplicationScoped
public class PredictionService {
    private static final Logger LOG = Logger.getLogger(PredictionService.class);

    private final ServingModel serving;
    private final PromotionService promotions;
    private final EvalConfig config;

    public PredictionService(ServingModel serving, PromotionService promotions, EvalConfig config) {
        this.serving = serving;
        this.promotions = promotions;
        this.config = config;
    }

    /** Serves the checkpoint promoted before this start, once the database answers. */
    void onStart(@Observes StartupEvent event) {
        VertxContextSupport.subscribe(() -> promotions.current().toMulti()
                        .onFailure().invoke(e -> LOG.warnf("cannot read the promoted checkpoint yet: %s",
                                e.getMessage()))
                        .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).indefinitely(),
                subscribe -> subscribe.with(promoted -> serving.switchTo(promoted.checkpointId, promoted.path)));
    }

    /** The serving student changes to the one the event names (loaded in the background). */
    void follow(@ObservesAsync PromotionEvent event) {
        serving.switchTo(event.checkpointId(), event.path());
    }

    /**
     * The serving student's answer for the texts.
     *
     * @throws IllegalArgumentException naming the first text the service refuses (empty, or too long)
     */
    public Uni<ServingModel.Answer> predict(List<String> texts) {
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text.isBlank()) {
                throw new IllegalArgumentException("text " + i + " is empty");
            }
            if (text.length() > config.maxTextChars()) {
                throw new IllegalArgumentException("text " + i + " has " + text.length() + " characters, the limit "
                        + "is " + config.maxTextChars() + " (eval.max-text-chars)");
            }
        }
        return Uni.createFrom().completionStage(() -> serving.predict(texts));
    }
}
