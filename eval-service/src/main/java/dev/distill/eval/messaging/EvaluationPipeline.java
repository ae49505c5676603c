package dev.distill.eval.messaging;

import dev.distill.core.metrics.ClassificationMetrics;
import dev.distill.core.wire.Channels;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.EvalResult;
import dev.distill.core.wire.WireCodec;
import dev.distill.eval.ml.CheckpointScorer;
import dev.distill.eval.service.LeaderboardService;
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
 * Checkpoint events in, scored on a worker thread, stored, and published as eval results. An event that cannot be
 * decoded, or names a checkpoint outside {@code eval.checkpoint-dir} or one that does not load, goes to the
 * dead-letter topic with the reason.
 */
@ApplicationScoped
public class EvaluationPipeline {
    private static final Logger LOG = Logger.getLogger(EvaluationPipeline.class);

    private final CheckpointScorer scorer;
    private final LeaderboardService leaderboard;
    private final Vertx vertx;
    private final MutinyEmitter<byte[]> results;

    public EvaluationPipeline(CheckpointScorer scorer, LeaderboardService leaderboard, Vertx vertx,
            @Channel(Channels.EVAL_RESULTS_OUT) MutinyEmitter<byte[]> results) {
        this.scorer = scorer;
        this.leaderboard = leaderboard;
        this.vertx = vertx;
        this.results = results;
    }

    @Incoming(Channels.CHECKPOINTS_IN)
    public Uni<Void> consume(byte[] payload) {
        return Uni.createFrom().item(() -> WireCodec.decode(payload, CheckpointEvent.class))
                .chain(event -> vertx.executeBlocking(Uni.createFrom().item(() -> scorer.score(event.path())))
                        .chain(metrics -> recordAndPublish(event, metrics)));
    }

    /** Retried until the database and broker take it: an outage stalls evaluation instead of losing a score. */
    private Uni<Void> recordAndPublish(CheckpointEvent event, ClassificationMetrics metrics) {
        // Retries resubscribe on the caller's Vert.x context, where reactive database sessions live.
        Context context = io.vertx.core.Vertx.currentContext();
        return Uni.createFrom().deferred(() -> leaderboard.record(event, metrics))
                .runSubscriptionOn(task -> context.runOnContext(ignored -> task.run()))
                .chain(score -> {
                    LOG.infof("checkpoint %s (step %d): accuracy %.4f, macro-F1 %.4f on %d examples",
                            score.checkpointId, score.step, score.accuracy, score.macroF1, score.examples);
                    return results.send(WireCodec.encode(new EvalResult(score.runId, score.checkpointId,
                            score.step, score.accuracy, score.macroF1, score.examples)));
                })
                .onFailure().invoke(e -> LOG.warnf("recording the score of checkpoint %s failed, retrying: %s",
                        event.checkpointId(), e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(10)).indefinitely();
    }
}
