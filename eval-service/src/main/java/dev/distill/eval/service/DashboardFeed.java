package dev.distill.eval.service;

import dev.distill.core.wire.PromotionEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;

/** Live updates for open dashboards: new scores and promotion changes, as they happen (no replay). */
@ApplicationScoped
public class DashboardFeed {
    /** One update: {@code type} is {@code score} (a leaderboard row) or {@code promotion} (a promotion event). */
    public record Update(String type, Object data) {
    }

    private final BroadcastProcessor<Update> updates = BroadcastProcessor.create();

    public void publish(String type, Object data) {
        updates.onNext(new Update(type, data));
    }

    void onPromotion(@ObservesAsync PromotionEvent promotion) {
        publish("promotion", promotion);
    }

    public Multi<Update> updates() {
        return updates;
    }
}
