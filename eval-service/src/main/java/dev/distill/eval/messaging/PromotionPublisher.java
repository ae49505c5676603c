package dev.distill.eval.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.PromotionEvent;
import dev.distill.core.wire.WireCodec;
import dev.distill.eval.service.DashboardFeed;
import dev.distill.eval.service.EvalMetrics;
import dev.distill.eval.service.PredictionService;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Announces a change of the serving student: on Kafka, to the dashboards, in the promoted-accuracy gauge and to
 * {@code /predict}.
 */
@ApplicationScoped
public class PromotionPublisher {
    private static final Logger LOG = Logger.getLogger(PromotionPublisher.class);

    private final EvalMetrics metrics;
    private final DashboardFeed feed;
    private final MutinyEmitter<byte[]> promotionEvents;
    private final PredictionService predictions;

    public PromotionPublisher(EvalMetrics metrics, DashboardFeed feed,
            @Channel(Channels.PROMOTIONS_OUT) MutinyEmitter<byte[]> promotionEvents, PredictionService predictions) {
        this.metrics = metrics;
        this.feed = feed;
        this.promotionEvents = promotionEvents;
        this.predictions = predictions;
    }

    /** Publishes a promotion or rollback. */
    public Uni<Void> announce(PromotionEvent promotion) {
        LOG.infof("%s: checkpoint %s now serves (accuracy %s), replacing %s", promotion.kind(),
                promotion.checkpointId(), promotion.accuracy(), promotion.replacedCheckpointId());
        metrics.promoted(promotion.accuracy());
        feed.publish("promotion", promotion);
        predictions.follow(promotion);
        return promotionEvents.send(WireCodec.encode(promotion));
    }
}
