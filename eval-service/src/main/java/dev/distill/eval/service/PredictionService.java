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
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Predictions of the promoted student ({@code POST /predict}): the student promoted at start-up serves first, and
 * every promotion or rollback announced afterwards switches it.
 */
@ApplicationScoped
public class PredictionService {
    private static final Logger LOG = Logger.getLogger(PredictionService.class);
    /** How long an announcement waits for the student it names to load. */
    private static final Duration LOAD_WAIT = Duration.ofMinutes(2);

    private final ServingModel serving;
    private final PromotionService promotions;
    private final EvalConfig config;
    private final FreshnessTracking freshness;

    public PredictionService(ServingModel serving, PromotionService promotions, EvalConfig config,
            FreshnessTracking freshness) {
        this.serving = serving;
        this.promotions = promotions;
        this.config = config;
        this.freshness = freshness;
    }

    /** Serves the checkpoint promoted before this start, once the database answers. */
    void onStart(@Observes StartupEvent event) {
        VertxContextSupport.subscribe(() -> promotions.current().toMulti()
                        .onFailure().invoke(e -> LOG.warnf("cannot read the promoted checkpoint yet: %s",
                                e.getMessage()))
                        .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).indefinitely(),
                subscribe -> subscribe.with(promoted -> serving.switchTo(promoted.checkpointId, promoted.path)));
    }

    /**
     * The serving student changes to the one the event names, loaded before the announcement completes; a promoted
     * one that loaded is recorded as serving, with its freshness.
     */
    void follow(@ObservesAsync PromotionEvent event) {
        boolean loaded;
        try {
            loaded = serving.switchTo(event.checkpointId(), event.path()).get(LOAD_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            LOG.warnf("checkpoint %s has not loaded for /predict after %s; it serves once it has, its freshness "
                    + "is not recorded", event.checkpointId(), LOAD_WAIT);
            return;
        } catch (InterruptedException | ExecutionException e) {
            LOG.warnf("checkpoint %s was not loaded for /predict: %s", event.checkpointId(), e.getMessage());
            return;
        }
        if (loaded && event.kind() == PromotionEvent.Kind.PROMOTED) {
            freshness.servingBegan(event.checkpointId(), Instant.now());
        }
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
