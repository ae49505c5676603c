package dev.distill.eval.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.EvalResult;
import dev.distill.core.wire.WireCodec;
import dev.distill.core.wire.WireFormatException;
import dev.distill.eval.CheckpointScore;
import dev.distill.eval.ml.CheckpointEvaluation;
import dev.distill.eval.ml.CheckpointScorer;
import dev.distill.eval.service.CheckpointRetention;
import dev.distill.eval.service.DashboardFeed;
import dev.distill.eval.service.EvalMetrics;
import dev.distill.eval.service.LeaderboardService;
import dev.distill.eval.service.PromotionAnnouncements;
import dev.distill.eval.service.PromotionService;
import dev.distill.service.messaging.RetriedUntilTaken;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Checkpoint events in, scored on a worker thread, stored, published as eval results, and promoted if better than
 * the serving checkpoint by the margin. An event that cannot be decoded, names a checkpoint outside
 * {@code eval.checkpoint-dir}, disagrees with the checkpoint's manifest or names one that does not load goes to the
 * dead-letter topic with the reason (logged as a warning). Each checkpoint is scored and decided once: a redelivered
 * event finishes what a crash interrupted and repeats nothing that was done.
 *
 * <p>Events are taken one at a time, and a scoring may take as long as it takes (a large student, a large held-out
 * set, a busy machine): the channel does not limit how long an event may wait for its acknowledgement
 * ({@code throttled.unprocessed-record-max-age.ms=0}), and {@code distill_eval_scoring_seconds} with a log line
 * every {@link #PROGRESS_EVERY} tell how long the one in progress has taken.
 */
@ApplicationScoped
public class EvaluationPipeline {
    private static final Logger LOG = Logger.getLogger(EvaluationPipeline.class);
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);

    private final CheckpointScorer scorer;
    private final LeaderboardService leaderboard;
    private final PromotionService promotions;
    private final EvalMetrics metrics;
    private final DashboardFeed feed;
    private final Vertx vertx;
    private final MutinyEmitter<byte[]> results;
    private final PromotionAnnouncements announcements;
    private final CheckpointRetention retention;

    public EvaluationPipeline(CheckpointScorer scorer, LeaderboardService leaderboard, PromotionService promotions,
            EvalMetrics metrics, DashboardFeed feed, Vertx vertx,
            @Channel(Channels.EVAL_RESULTS_OUT) MutinyEmitter<byte[]> results, PromotionAnnouncements announcements,
            CheckpointRetention retention) {
        this.scorer = scorer;
        this.leaderboard = leaderboard;
        this.promotions = promotions;
        this.metrics = metrics;
        this.feed = feed;
        this.vertx = vertx;
        this.results = results;
        this.announcements = announcements;
        this.retention = retention;
    }

    @Incoming(Channels.CHECKPOINTS_IN)
    public Uni<Void> consume(ConsumerRecord<String, byte[]> record) {
        return Uni.createFrom().item(() -> validated(WireCodec.decode(record.value(), CheckpointEvent.class)))
                .chain(event -> untilStored(() -> leaderboard.find(event.checkpointId()), event, "reading the score")
                        .chain(stored -> resume(event, Instant.ofEpochMilli(record.timestamp()), stored)))
                .onFailure().invoke(e -> LOG.warnf("checkpoint event %s (partition %d, offset %d) sent to the "
                        + "dead-letter topic: %s", record.key(), record.partition(), record.offset(), e.getMessage()));
    }

    /**
     * Goes on from where the checkpoint stands: not scored (score, record, decide), scored but not decided (a crash
     * came in between: decide), or decided (a redelivery: nothing to do).
     */
    private Uni<Void> resume(CheckpointEvent event, Instant announcedAt, CheckpointScore stored) {
        if (stored != null && stored.decidedAt != null) {
            LOG.infof("checkpoint %s was scored and decided at %s; its redelivered event is skipped",
                    event.checkpointId(), stored.decidedAt);
            return Uni.createFrom().voidItem();
        }
        Uni<CheckpointScore> score;
        if (stored != null) {
            LOG.infof("checkpoint %s was scored before a restart; publishing its result and deciding its promotion",
                    event.checkpointId());
            score = Uni.createFrom().item(stored);
        } else {
            score = scoreOnWorker(event).chain(evaluation -> untilStored(() -> leaderboard.record(event, announcedAt, evaluation),
                    event, "recording the score")).invoke(this::reportScored);
        }
        return score.chain(scored -> untilStored(() -> publishAndDecide(scored), event, "publishing the result"))
                .call(() -> retention.apply().onFailure().recoverWithUni(e -> {
                    LOG.warnf("checkpoint retention did not run, it runs again after the next checkpoint: %s",
                            e.getMessage());
                    return Uni.createFrom().voidItem();
                }));
    }

    /** Scores off the event loop, saying how long it has taken while it runs. */
    private Uni<CheckpointEvaluation> scoreOnWorker(CheckpointEvent event) {
        long started = System.nanoTime();
        return Uni.createFrom().voidItem().invoke(() -> metrics.scoringStarted(started)).chain(() -> {
            long timer = vertx.setPeriodic(PROGRESS_EVERY.toMillis(), ignored -> LOG.infof(
                    "still scoring checkpoint %s: %d s so far", event.checkpointId(),
                    Duration.ofNanos(System.nanoTime() - started).toSeconds()));
            return vertx.executeBlocking(Uni.createFrom().item(() -> scorer.score(event)))
                    .eventually(() -> {
                        vertx.cancelTimer(timer);
                        metrics.scoringEnded();
                    });
        });
    }

    /**
     * An event that could never be stored (a missing or over-long id, a control character) fails here, before any
     * work, and goes to the dead-letter topic with the reason.
     */
    private static CheckpointEvent validated(CheckpointEvent event) {
        String problem = event.problem();
        if (problem != null) {
            throw new WireFormatException("checkpoint event refused: " + problem, null);
        }
        return event;
    }

    private void reportScored(CheckpointScore score) {
        LOG.infof("checkpoint %s (step %d): accuracy %.4f, macro-F1 %.4f on %d examples%s; "
                        + "%.1f ms/sentence at batch 1 (p95 %.1f), %.0f sentences/s at batch 32, %.1f MB",
                score.checkpointId, score.step, score.accuracy, score.macroF1, score.examples,
                score.agreement == null ? "" : String.format(", teacher agreement %.4f", score.agreement),
                score.latencyMillisP50, score.latencyMillisP95, score.sentencesPerSecond, score.sizeBytes / 1e6);
        metrics.scored(score);
        feed.publish("score", score);
    }

    /**
     * Publishes the eval result, then decides the promotion and marks the score decided in one transaction. A crash
     * between the two publishes the result again on redelivery; a decided checkpoint is never decided again.
     */
    private Uni<Void> publishAndDecide(CheckpointScore score) {
        return results.send(WireCodec.encode(new EvalResult(score.runId, score.checkpointId, score.step,
                        score.accuracy, score.macroF1, score.examples, score.agreement)))
                .chain(() -> promotions.consider(score))
                .chain(decision -> {
                    metrics.promoted(decision.servingAccuracy());
                    if (decision.refusal() != null) {
                        metrics.refused(decision.refusal().limit());
                    }
                    return decision.promotion() == null ? Uni.createFrom().voidItem()
                            : announcements.announce(decision.promotion());
                });
    }

    /** Retried until the database and broker take it: an outage stalls evaluation instead of losing a score. */
    private static <T> Uni<T> untilStored(Supplier<Uni<? extends T>> work, CheckpointEvent event, String what) {
        return RetriedUntilTaken.retried(work, e -> LOG.warnf("%s of checkpoint %s failed, retrying: %s", what,
                event.checkpointId(), e.getMessage()));
    }
}
