package dev.distill.eval.service;

import dev.distill.core.wire.PromotionEvent;
import dev.distill.eval.CheckpointScore;
import dev.distill.eval.Promotion;
import dev.distill.eval.config.EvalConfig;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

/** Which checkpoint serves: promotions by held-out accuracy, rollbacks by operators. */
@ApplicationScoped
public class PromotionService {
    private final EvalConfig config;

    public PromotionService(EvalConfig config) {
        this.config = config;
    }

    /** Thrown when there is no promotion to roll back. */
    public static class NothingToRollBackException extends RuntimeException {
        NothingToRollBackException() {
            super("no checkpoint is promoted, so there is nothing to roll back");
        }
    }

    /** Whether a candidate accuracy beats the promoted one by more than the margin (any candidate beats none). */
    static boolean beats(double candidate, Promotion promoted, double margin) {
        return promoted == null || candidate > promoted.accuracy + margin;
    }

    /**
     * What considering a checkpoint decided.
     *
     * @param promotion        the promotion event, or {@code null} if the checkpoint was not promoted
     * @param servingAccuracy  accuracy of the checkpoint serving afterwards, or {@code null} if none does
     */
    public record Decision(PromotionEvent promotion, Double servingAccuracy) {
    }

    /**
     * Promotes the scored checkpoint if it beats the promoted one by more than {@code eval.promotion-margin}.
     * Idempotent: a checkpoint scored again cannot beat itself.
     */
    @WithTransaction
    public Uni<Decision> consider(CheckpointScore score) {
        return current().chain(promoted -> {
            if (!beats(score.accuracy, promoted, config.promotionMargin())) {
                return Uni.createFrom().item(new Decision(null, promoted == null ? null : promoted.accuracy));
            }
            Promotion promotion = new Promotion();
            promotion.checkpointId = score.checkpointId;
            promotion.runId = score.runId;
            promotion.path = score.path;
            promotion.accuracy = score.accuracy;
            promotion.promotedAt = Instant.now();
            return promotion.<Promotion>persist().map(saved -> new Decision(
                    event(PromotionEvent.Kind.PROMOTED, saved, promoted), saved.accuracy));
        });
    }

    /**
     * Rolls the standing promotion back: the checkpoint promoted before it serves again (none, if it was the first).
     *
     * @throws NothingToRollBackException (as the failure) when nothing is promoted
     */
    @WithTransaction
    public Uni<PromotionEvent> rollback() {
        return current().chain(promoted -> {
            if (promoted == null) {
                return Uni.createFrom().failure(new NothingToRollBackException());
            }
            promoted.rolledBackAt = Instant.now();
            return promoted.<Promotion>persistAndFlush().chain(ignored -> current())
                    .map(restored -> event(PromotionEvent.Kind.ROLLED_BACK, restored, promoted));
        });
    }

    /** The event for a change from {@code replaced} to {@code serving}, either of which may be none. */
    private static PromotionEvent event(PromotionEvent.Kind kind, Promotion serving, Promotion replaced) {
        String replacedId = replaced == null ? null : replaced.checkpointId;
        return serving == null ? new PromotionEvent(kind, null, null, null, null, replacedId)
                : new PromotionEvent(kind, serving.checkpointId, serving.runId, serving.path, serving.accuracy,
                        replacedId);
    }

    /** The promoted checkpoint, or {@code null} item before the first promotion. */
    @WithSession
    public Uni<Promotion> current() {
        return Promotion.<Promotion>find("rolledBackAt is null", Sort.descending("id")).firstResult();
    }

    /** Every promotion, newest first, rolled-back ones included. */
    @WithSession
    public Uni<List<Promotion>> history() {
        return Promotion.listAll(Sort.descending("id"));
    }
}
