package dev.distill.eval.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.EvalResult;
import dev.distill.core.wire.WireCodec;
import dev.distill.core.wire.WireFormatException;
import dev.distill.eval.ml.CheckpointEvaluation;
import dev.distill.eval.ml.CheckpointScorer;
import dev.distill.eval.service.DashboardFeed;
import dev.distill.eval.service.EvalMetrics;
import dev.distill.eval.service.LeaderboardService;
import dev.distill.eval.service.PromotionService;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Checkpoint events in, scored on a worker thread, stored, published as eval results, and promoted if better than
 * the serving checkpoint by the margin. An event that cannot be decoded or stored, or names a checkpoint outside
 * {@code eval.checkpoint-dir} or one that does not load, goes to the dead-letter topic with the reason.
 */
@ApplicationScoped
public class EvaluationPipeline {
    private static final Logger LOG = Logger.getLogger(EvaluationPipeline.class);

    private final CheckpointScorer scorer;
    private final LeaderboardService leaderboard;
    private final PromotionService promotions;
    private final EvalMetrics metrics;
    private final DashboardFeed feed;
    private final Vertx vertx;
    private final MutinyEmitter<byte[]> results;
    private final PromotionPublisher publisher;

    public EvaluationPipeline(CheckpointScorer scorer, LeaderboardService leaderboard, PromotionService promotions,
            EvalMetrics metrics, DashboardFeed feed, Vertx vertx,
            @Channel(Channels.EVAL_RESULTS_OUT) MutinyEmitter<byte[]> results, PromotionPublisher publisher) {
        this.scorer = scorer;
        this.leaderboard = leaderboard;
        this.promotions = promotions;
        this.metrics = metrics;
        this.feed = feed;
        this.vertx = vertx;
        this.results = results;
        this.publisher = publisher;
    }

    @Incoming(Channels.CHECKPOINTS_IN)
    public Uni<Void> consume(byte[] payload) {
        return Uni.createFrom().item(() -> validated(WireCodec.decode(payload, CheckpointEvent.class)))
                .chain(event -> vertx.executeBlocking(Uni.createFrom().item(() -> scorer.score(event.path())))
                        .chain(evaluation -> recordAndPublish(event, evaluation)));
    }

    /**
     * An event that could never be stored (a missing or over-long id, a control character) fails here, before any
     * work, and goes to the dead-letter topic with the reason; only failures that may pass (database or broker down)
     * are retried below.
     */
    private static CheckpointEvent validated(CheckpointEvent event) {
        String problem = event.problem();
        if (problem != null) {
            throw new WireFormatException("checkpoint event refused: " + problem, null);
        }
        return event;
    }

    /**
     * Retried until the database and broker take it: an outage stalls evaluation instead of losing a score. A retry
     * after a crash finds the score stored and cannot promote twice ({@link PromotionService#consider}).
     */
    private Uni<Void> recordAndPublish(CheckpointEvent event, CheckpointEvaluation evaluation) {
        // Retries resubscribe on the caller's Vert.x context, where reactive database sessions live.
        Context context = io.vertx.core.Vertx.currentContext();
        return Uni.createFrom().deferred(() -> leaderboard.record(event, evaluation))
                .runSubscriptionOn(task -> context.runOnContext(ignored -> task.run()))
                .chain(score -> {
                    LOG.infof("checkpoint %s (step %d): accuracy %.4f, macro-F1 %.4f on %d examples%s; "
                            + "%.1f ms/sentence at batch 1 (p95 %.1f), %.0f sentences/s at batch 32, %.1f MB",
                            score.checkpointId, score.step, score.accuracy, score.macroF1, score.examples,
                            score.agreement == null ? "" : String.format(", teacher agreement %.4f",
                                    score.agreement), score.latencyMillisP50, score.latencyMillisP95,
                            score.sentencesPerSecond, score.sizeBytes / 1e6);
                    metrics.scored(score);
                    feed.publish("score", score);
                    return results.send(WireCodec.encode(new EvalResult(score.runId, score.checkpointId,
                            score.step, score.accuracy, score.macroF1, score.examples, score.agreement)))
                            .chain(() -> promotions.consider(score))
                            .chain(decision -> {
                                metrics.promoted(decision.servingAccuracy());
                                if (decision.refusal() != null) {
                                    metrics.refused(decision.refusal().limit());
                                }
                                return decision.promotion() == null ? Uni.createFrom().voidItem()
                                        : publisher.announce(decision.promotion());
                            });
                })
                .onFailure().invoke(e -> LOG.warnf("recording the score of checkpoint %s failed, retrying: %s",
                        event.checkpointId(), e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(10)).indefinitely();
    }
}
