package dev.distill.eval.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.EvalResult;
import dev.distill.core.wire.WireCodec;
import dev.distill.eval.ml.CheckpointScorer;
import dev.distill.eval.service.LeaderboardService;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Checkpoint events in, scored on a worker thread, stored, and published as eval results. */
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
        CheckpointEvent event = WireCodec.decode(payload, CheckpointEvent.class);
        return vertx.executeBlocking(Uni.createFrom().item(() -> scorer.score(Path.of(event.path()))))
                .chain(metrics -> leaderboard.record(event, metrics))
                .chain(score -> {
                    LOG.infof("checkpoint %s (step %d): accuracy %.4f, macro-F1 %.4f on %d examples",
                            score.checkpointId, score.step, score.accuracy, score.macroF1, score.examples);
                    return results.send(WireCodec.encode(new EvalResult(score.runId, score.checkpointId,
                            score.step, score.accuracy, score.macroF1, score.examples)));
                });
    }
}
