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
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Which checkpoint serves: promotions by held-out accuracy within the latency and size limits, rollbacks by
 * operators.
 */
@ApplicationScoped
public class PromotionService {
    private static final Logger LOG = Logger.getLogger(PromotionService.class);
    private final EvalConfig config;

    public PromotionService(EvalConfig config) {
        this.config = config;
    }

    /** Thrown when a rollback would leave no checkpoint serving. */
    public static class RollbackRefusedException extends RuntimeException {
        RollbackRefusedException(String message) {
            super(message);
        }
    }

    /**
     * A limit that keeps a checkpoint from serving whatever its accuracy.
     *
     * @param limit  {@code latency} ({@code eval.max-latency-ms}) or {@code size} ({@code eval.max-size-mb})
     * @param reason what was measured against which setting
     */
    public record Refusal(String limit, String reason) {
    }

    /**
     * The limit the checkpoint exceeds, or {@code null} when it is within them (or was scored before checkpoints
     * were timed).
     */
    static Refusal limitExceeded(CheckpointScore score, Optional<Double> maxLatencyMs, Optional<Double> maxSizeMb) {
        Double latency = score.latencyMillisP50;
        if (maxLatencyMs.isPresent() && latency != null && latency > maxLatencyMs.get()) {
            return new Refusal("latency", String.format(
                    "%.2f ms per sentence at batch 1 exceeds eval.max-latency-ms=%s", latency, maxLatencyMs.get()));
        }
        if (maxSizeMb.isPresent() && score.sizeBytes != null && score.sizeBytes / 1e6 > maxSizeMb.get()) {
            return new Refusal("size", String.format("%.1f MB of weights exceeds eval.max-size-mb=%s",
                    score.sizeBytes / 1e6, maxSizeMb.get()));
        }
        return null;
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
     * @param refusal          the limit that kept it from promotion, or {@code null}
     */
    public record Decision(PromotionEvent promotion, Double servingAccuracy, Refusal refusal) {
    }

    /**
     * Promotes the scored checkpoint if it is within the latency and size limits, beats the promoted one by more than
     * {@code eval.promotion-margin} and was never promoted before (a rolled-back checkpoint stays rolled back), and
     * marks its score decided, in one transaction. Idempotent: a decided checkpoint is not decided again.
     */
    @WithTransaction
    public Uni<Decision> consider(CheckpointScore score) {
        Uni<CheckpointScore> stored = CheckpointScore.findById(score.checkpointId);
        return stored.chain(row -> current().chain(promoted -> {
            Double servingAccuracy = promoted == null ? null : promoted.accuracy;
            if (row == null || row.decidedAt != null) {
                return Uni.createFrom().item(new Decision(null, servingAccuracy, null));
            }
            row.decidedAt = Instant.now();
            Refusal refusal = limitExceeded(score, config.maxLatencyMs(), config.maxSizeMb());
            if (refusal != null) {
                LOG.infof("checkpoint %s is not promoted: %s", score.checkpointId, refusal.reason());
                return Uni.createFrom().item(new Decision(null, servingAccuracy, refusal));
            }
            if (!beats(score.accuracy, promoted, config.promotionMargin())) {
                return Uni.createFrom().item(new Decision(null, servingAccuracy, null));
            }
            return Promotion.count("checkpointId", score.checkpointId).chain(earlier -> {
                if (earlier > 0) {
                    LOG.infof("checkpoint %s is not promoted: it was promoted before and rolled back",
                            score.checkpointId);
                    return Uni.createFrom().item(new Decision(null, servingAccuracy, null));
                }
                Promotion promotion = new Promotion();
                promotion.checkpointId = score.checkpointId;
                promotion.runId = score.runId;
                promotion.path = score.path;
                promotion.accuracy = score.accuracy;
                promotion.promotedAt = Instant.now();
                return promotion.<Promotion>persist().map(saved -> new Decision(
                        event(PromotionEvent.Kind.PROMOTED, saved, promoted), saved.accuracy, null));
            });
        }));
    }

    /**
     * Rolls the standing promotion back: the checkpoint promoted before it serves again. The first promotion standing
     * cannot be rolled back, since nothing would serve.
     *
     * @throws RollbackRefusedException (as the failure) when nothing, or only one promotion, stands
     */
    @WithTransaction
    public Uni<PromotionEvent> rollback() {
        return standing().chain(standing -> {
            if (standing.isEmpty()) {
                return Uni.createFrom().failure(new RollbackRefusedException(
                        "no checkpoint is promoted, so there is nothing to roll back"));
            }
            Promotion promoted = standing.get(0);
            if (standing.size() == 1) {
                return Uni.createFrom().failure(new RollbackRefusedException("checkpoint " + promoted.checkpointId
                        + " is the only promotion standing; rolling it back would leave no student serving"));
            }
            Promotion restored = standing.get(1);
            return CheckpointScore.<CheckpointScore>findById(restored.checkpointId).chain(score -> {
                if (score != null && score.retiredAt != null) {
                    return Uni.createFrom().failure(new RollbackRefusedException("checkpoint "
                            + restored.checkpointId + ", which a rollback would restore, was retired at "
                            + score.retiredAt + ": checkpoint retention deleted its weights (it keeps those of "
                            + config.retention().keepPromotions() + " standing promotions)"));
                }
                promoted.rolledBackAt = Instant.now();
                return promoted.<Promotion>persistAndFlush()
                        .map(ignored -> event(PromotionEvent.Kind.ROLLED_BACK, restored, promoted));
            });
        });
    }

    /** The event for a change from {@code replaced} (none before the first promotion) to {@code serving}. */
    private static PromotionEvent event(PromotionEvent.Kind kind, Promotion serving, Promotion replaced) {
        return new PromotionEvent(kind, serving.checkpointId, serving.runId, serving.path, serving.accuracy,
                replaced == null ? null : replaced.checkpointId);
    }

    /** The promoted checkpoint, or {@code null} item before the first promotion. */
    @WithSession
    public Uni<Promotion> current() {
        return Promotion.<Promotion>find("rolledBackAt is null", Sort.descending("id")).firstResult();
    }

    /** The serving promotion and the one a rollback would restore, newest first (fewer when fewer stand). */
    private Uni<List<Promotion>> standing() {
        return Promotion.<Promotion>find("rolledBackAt is null", Sort.descending("id")).page(0, 2).list();
    }

    /** The checkpoints of the newest {@code count} standing promotions: the serving one first. */
    @WithSession
    public Uni<Set<String>> standingCheckpoints(int count) {
        return Promotion.<Promotion>find("rolledBackAt is null", Sort.descending("id")).page(0, count).list()
                .map(standing -> standing.stream().map(promotion -> promotion.checkpointId)
                        .collect(Collectors.toSet()));
    }

    /**
     * Records that the checkpoint's standing promotion began to serve {@code /predict} at {@code at} (once: a
     * checkpoint served again after a rollback keeps its first time).
     *
     * @return its freshness, or a {@code null} item if it is not promoted, was marked before or lacks stream times
     */
    @WithTransaction
    public Uni<Freshness> markServing(String checkpointId, Instant at) {
        return Promotion.<Promotion>find("checkpointId = ?1 and rolledBackAt is null and servingSince is null",
                checkpointId).firstResult().chain(promotion -> {
                    if (promotion == null) {
                        return Uni.createFrom().nullItem();
                    }
                    promotion.servingSince = at;
                    return CheckpointScore.<CheckpointScore>findById(checkpointId)
                            .map(score -> score == null ? null : Freshness.of(score, promotion));
                });
    }

    /** Freshness of the newest {@code count} promotions that served, newest first, with its quantiles. */
    @WithSession
    public Uni<FreshnessReport> freshness(int count) {
        return Promotion.<Promotion>find("servingSince is not null", Sort.descending("id")).page(0, count).list()
                .chain(served -> served.isEmpty() ? Uni.createFrom().item(List.<Freshness>of())
                        : CheckpointScore.<CheckpointScore>list("checkpointId in ?1",
                        served.stream().map(promotion -> promotion.checkpointId).toList()).map(scores -> {
                            Map<String, CheckpointScore> byId = scores.stream().collect(
                                    Collectors.toMap(score -> score.checkpointId, score -> score));
                            return served.stream().filter(promotion -> byId.containsKey(promotion.checkpointId))
                                    .map(promotion -> Freshness.of(byId.get(promotion.checkpointId), promotion))
                                    .filter(Objects::nonNull).toList();
                        })).map(FreshnessReport::of);
    }

    /** Every promotion, newest first, rolled-back ones included. */
    @WithSession
    public Uni<List<Promotion>> history() {
        return Promotion.listAll(Sort.descending("id"));
    }
}
