package dev.distill.eval.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.PromotionEvent;
import dev.distill.core.wire.WireCodec;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Publishes every change of the serving student on {@code distill.promotions}, where a serving layer picks it up. */
@ApplicationScoped
public class PromotionPublisher {
    private final MutinyEmitter<byte[]> promotionEvents;

    public PromotionPublisher(@Channel(Channels.PROMOTIONS_OUT) MutinyEmitter<byte[]> promotionEvents) {
        this.promotionEvents = promotionEvents;
    }

    /** Runs on a worker thread (an asynchronous observer): waiting for the broker blocks no event loop. */
    void publish(@ObservesAsync PromotionEvent promotion) {
        promotionEvents.sendAndAwait(WireCodec.encode(promotion));
    }
}
