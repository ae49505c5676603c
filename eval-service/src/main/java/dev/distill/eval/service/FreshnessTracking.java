package dev.distill.eval.service;

import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Records when a promoted student began to serve {@code /predict} and reports how fresh it was then
 * ({@link Freshness}): in the promotion's row, on {@code /q/metrics}, on the dashboard and in the log.
 */
@ApplicationScoped
public class FreshnessTracking {
    private static final Logger LOG = Logger.getLogger(FreshnessTracking.class);

    private final PromotionService promotions;
    private final EvalMetrics metrics;
    private final DashboardFeed feed;

    public FreshnessTracking(PromotionService promotions, EvalMetrics metrics, DashboardFeed feed) {
        this.promotions = promotions;
        this.metrics = metrics;
        this.feed = feed;
    }

    /** Blocking (a worker thread): the promoted checkpoint answers {@code /predict} since {@code at}. */
    void servingBegan(String checkpointId, Instant at) {
        Freshness freshness;
        try {
            freshness = VertxContextSupport.subscribeAndAwait(() -> promotions.markServing(checkpointId, at));
        } catch (Throwable e) {
            LOG.warnf("when checkpoint %s began to serve was not recorded: %s", checkpointId, e.getMessage());
            return;
        }
        if (freshness == null) {
            return;
        }
        LOG.infof("checkpoint %s serves /predict; the newest example it learnt from is %.1f s old (labelling %.1f s, "
                        + "training %.1f s, checkpoint %.1f s, scoring %.1f s, promotion %.1f s)", checkpointId,
                freshness.totalSeconds(), freshness.labellingSeconds(), freshness.trainingSeconds(),
                freshness.checkpointSeconds(), freshness.scoringSeconds(), freshness.promotionSeconds());
        metrics.servingFreshness(freshness);
        feed.publish("freshness", freshness);
    }
}
