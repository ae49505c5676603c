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
     * Promotes the scored checkpoint if it beats the promoted one by more than {@code eval.promotion-margin}.
     * Idempotent: a checkpoint scored again cannot beat itself.
     *
     * @return the promotion event, or {@code null} item if the checkpoint was not promoted
     */
    @WithTransaction
    public Uni<PromotionEvent> consider(CheckpointScore score) {
        return current().chain(promoted -> {
            if (!beats(score.accuracy, promoted, config.promotionMargin())) {
                return Uni.createFrom().nullItem();
            }
            Promotion promotion = new Promotion();
            promotion.checkpointId = score.checkpointId;
            promotion.runId = score.runId;
            promotion.path = score.path;
            promotion.accuracy = score.accuracy;
            promotion.promotedAt = Instant.now();
            return promotion.<Promotion>persist().map(saved -> new PromotionEvent(PromotionEvent.Kind.PROMOTED,
                    saved.checkpointId, saved.runId, saved.path, saved.accuracy,
                    promoted == null ? null : promoted.checkpointId));
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
            return promoted.<Promotion>persistAndFlush().chain(ignored -> current()).map(restored -> new PromotionEvent(
                    PromotionEvent.Kind.ROLLED_BACK,
                    restored == null ? null : restored.checkpointId, restored == null ? null : restored.runId,
                    restored == null ? null : restored.path, restored == null ? null : restored.accuracy,
                    promoted.checkpointId));
        });
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
