package dev.distill.service.messaging;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Work that only an outage can fail (a database write, a send to the broker), retried with back-off until the
 * database and broker take it: an outage stalls the pipeline instead of losing or dead-lettering a good record.
 */
public final class RetriedUntilTaken {
    private static final Duration FIRST_BACK_OFF = Duration.ofMillis(500);
    private static final Duration LONGEST_BACK_OFF = Duration.ofSeconds(10);

    private RetriedUntilTaken() {
    }

    /**
     * The work, subscribed again after each failure (reported to {@code onFailure} first). Retries resubscribe on
     * the caller's Vert.x context, where reactive database sessions live; a back-off timer would otherwise
     * resubscribe on a worker thread.
     */
    public static <T> Uni<T> retried(Supplier<Uni<? extends T>> work, Consumer<Throwable> onFailure) {
        Context context = Vertx.currentContext();
        Uni<T> attempt = Uni.createFrom().deferred(work);
        if (context != null) {
            attempt = attempt.runSubscriptionOn(task -> context.runOnContext(ignored -> task.run()));
        }
        return attempt.onFailure().invoke(onFailure)
                .onFailure().retry().withBackOff(FIRST_BACK_OFF, LONGEST_BACK_OFF).indefinitely();
    }
}
