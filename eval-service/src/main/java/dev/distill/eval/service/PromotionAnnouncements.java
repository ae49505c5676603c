package dev.distill.eval.service;

import dev.distill.core.wire.PromotionEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import org.jboss.logging.Logger;

/**
 * Tells whoever a change of the serving student concerns: fires it as a CDI event that the Kafka publisher
 * ({@code distill.promotions}), {@code /predict}, the dashboards and the promoted-accuracy gauge each observe
 * ({@code @ObservesAsync PromotionEvent}). Completes once all of them have taken it; a failed Kafka send fails it,
 * so the caller can try again.
 */
@ApplicationScoped
public class PromotionAnnouncements {
    private static final Logger LOG = Logger.getLogger(PromotionAnnouncements.class);

    private final Event<PromotionEvent> changes;

    public PromotionAnnouncements(Event<PromotionEvent> changes) {
        this.changes = changes;
    }

    public Uni<Void> announce(PromotionEvent promotion) {
        LOG.infof("%s: checkpoint %s now serves (accuracy %s), replacing %s", promotion.kind(),
                promotion.checkpointId(), promotion.accuracy(), promotion.replacedCheckpointId());
        // the observers run on worker threads; what follows the announcement goes on where the caller was (a
        // Vert.x context, where reactive database sessions live)
        Context caller = Vertx.currentContext();
        Uni<Void> announced = Uni.createFrom().completionStage(() -> changes.fireAsync(promotion)).replaceWithVoid();
        return caller == null ? announced : announced.emitOn(task -> caller.runOnContext(ignored -> task.run()));
    }
}
