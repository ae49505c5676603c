package dev.distill.eval.service;

import dev.distill.core.Directories;
import dev.distill.core.checkpoint.CheckpointException;
import dev.distill.core.checkpoint.CheckpointRetirement;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.eval.CheckpointScore;
import dev.distill.eval.config.EvalConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Checkpoint retention ({@code eval.retention.*}): after a checkpoint is scored and decided, every scored checkpoint
 * that no rule keeps is retired ({@link CheckpointRetirement}: its weights deleted, its manifest, ledger and score
 * kept) and its leaderboard row says when. Kept: the checkpoints of the newest standing promotions (the serving one
 * and those a rollback can return to), the best by held-out accuracy and the newest by step. Checkpoints not yet
 * scored are never touched: train-service resumes from its newest, and eval-service scores one event at a time, so
 * none is being scored meanwhile.
 */
@ApplicationScoped
public class CheckpointRetention {
    private static final Logger LOG = Logger.getLogger(CheckpointRetention.class);

    private final EvalConfig config;
    private final LeaderboardService leaderboard;
    private final PromotionService promotions;
    private final EvalMetrics metrics;
    private final Vertx vertx;

    public CheckpointRetention(EvalConfig config, LeaderboardService leaderboard, PromotionService promotions,
            EvalMetrics metrics, Vertx vertx) {
        this.config = config;
        this.leaderboard = leaderboard;
        this.promotions = promotions;
        this.metrics = metrics;
        this.vertx = vertx;
        EvalConfig.Retention rules = config.retention();
        if (rules.keepPromotions() < 1 || rules.keepBest() < 0 || rules.keepNewest() < 0) {
            throw new IllegalArgumentException("checkpoint retention keeps the serving checkpoint at least: "
                    + "eval.retention.keep-promotions must be 1 or more and keep-best and keep-newest 0 or more, got "
                    + rules.keepPromotions() + ", " + rules.keepBest() + " and " + rules.keepNewest());
        }
    }

    /** Applies the rules; a checkpoint that cannot be retired now (a file error) is tried again the next time. */
    public Uni<Void> apply() {
        EvalConfig.Retention rules = config.retention();
        if (!rules.enabled()) {
            return Uni.createFrom().voidItem();
        }
        return promotions.standingCheckpoints(rules.keepPromotions())
                .chain(kept -> leaderboard.unkept(kept, rules.keepBest(), rules.keepNewest()))
                .chain(unkept -> vertx.executeBlocking(Uni.createFrom().item(() -> retire(unkept))))
                .chain(retired -> retired.isEmpty() ? Uni.createFrom().voidItem()
                        : leaderboard.markRetired(retired).replaceWithVoid())
                .chain(() -> leaderboard.retiredBefore(Instant.now().minus(rules.removeRetiredAfter())))
                .chain(old -> vertx.executeBlocking(Uni.createFrom().item(() -> remove(old))))
                .chain(removed -> removed.isEmpty() ? Uni.createFrom().voidItem()
                        : leaderboard.markRemoved(removed).replaceWithVoid())
                .chain(() -> vertx.executeBlocking(Uni.createFrom().item(this::measureVolume)))
                .replaceWithVoid();
    }

    /** Retires the checkpoints' weights; returns the ids of those retired. */
    private List<String> retire(List<CheckpointScore> unkept) {
        List<String> retired = new ArrayList<>();
        for (CheckpointScore score : unkept) {
            try {
                Path directory = Checkpoints.confine(config.checkpointDir(), score.path);
                long freed = Files.isDirectory(directory) ? CheckpointRetirement.retire(directory) : 0;
                retired.add(score.checkpointId);
                LOG.infof("checkpoint %s retired (step %d, accuracy %.4f): %.1f MB of weights deleted; its score, "
                        + "manifest and ledger stay", score.checkpointId, score.step, score.accuracy, freed / 1e6);
            } catch (CheckpointException e) {
                LOG.warnf("checkpoint %s not retired, tried again later: %s", score.checkpointId, e.getMessage());
            }
        }
        return retired;
    }

    /**
     * Removes what is left of checkpoints retired longer than {@code eval.retention.remove-retired-after} ago: their
     * manifests and ledgers, a few bytes per example learnt, would otherwise grow with the stream for good.
     */
    private List<String> remove(List<CheckpointScore> old) {
        List<String> removed = new ArrayList<>();
        for (CheckpointScore score : old) {
            try {
                if (Files.exists(config.checkpointDir().resolve(score.path))) { // else removed by hand: done
                    Directories.delete(Checkpoints.confine(config.checkpointDir(), score.path));
                }
                removed.add(score.checkpointId);
                LOG.infof("checkpoint %s (step %d), retired at %s: its manifest and ledger removed", score.checkpointId,
                        score.step, score.retiredAt);
            } catch (CheckpointException | UncheckedIOException e) {
                LOG.warnf("checkpoint %s not removed, tried again later: %s", score.checkpointId, e.getMessage());
            }
        }
        return removed;
    }

    /** Checkpoints with weights under the checkpoint directory, and the bytes it holds, into the gauges. */
    private Void measureVolume() {
        Path root = config.checkpointDir();
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> files = Files.walk(root)) {
            long[] bytesAndKept = {0, 0};
            files.filter(Files::isRegularFile).forEach(file -> {
                bytesAndKept[0] += size(file);
                bytesAndKept[1] += file.getFileName().toString().equals(Checkpoints.PARAMETERS) ? 1 : 0;
            });
            metrics.checkpointVolume(bytesAndKept[0], bytesAndKept[1]);
        } catch (IOException | UncheckedIOException e) {
            LOG.debugf("checkpoint volume not measured: %s", e.getMessage());
        }
        return null;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // gone meanwhile
        }
    }
}
