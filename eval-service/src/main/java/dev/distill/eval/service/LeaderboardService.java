package dev.distill.eval.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.evaluation.ClassificationMetrics;
import dev.distill.core.evaluation.OnnxEvaluation;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.eval.CheckpointScore;
import dev.distill.eval.OnnxScore;
import dev.distill.eval.ml.CheckpointEvaluation;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Scores in PostgreSQL, best first. */
@ApplicationScoped
public class LeaderboardService {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Scored and decided checkpoints whose weights retention has not deleted. */
    private static final String WITH_WEIGHTS = "decidedAt is not null and retiredAt is null";

    /** Stores the score; a checkpoint delivered twice keeps its first score. */
    @WithTransaction
    public Uni<CheckpointScore> record(CheckpointEvent event, Instant announcedAt,
            CheckpointEvaluation evaluation) {
        ClassificationMetrics metrics = evaluation.metrics();
        return CheckpointScore.<CheckpointScore>findById(event.checkpointId())
                .onItem().ifNull().switchTo(() -> {
                    CheckpointScore score = new CheckpointScore();
                    score.checkpointId = event.checkpointId();
                    score.runId = event.runId();
                    score.step = event.step();
                    score.examplesSeen = event.examplesSeen();
                    score.accuracy = metrics.accuracy();
                    score.macroF1 = metrics.macroF1();
                    score.examples = metrics.examples();
                    score.agreement = evaluation.agreement();
                    score.labels = toJson(evaluation.labels());
                    score.trainLoss = Double.isFinite(event.trainLoss()) ? event.trainLoss() : null;
                    score.latencyMillisP50 = evaluation.latency().millisAtBatch1();
                    score.latencyMillisP95 = evaluation.latency().millisAtBatch1P95();
                    score.sentencesPerSecond = evaluation.latency().sentencesPerSecond();
                    score.parameters = evaluation.figures().parameters();
                    score.nonEmbeddingParameters = evaluation.figures().nonEmbeddingParameters();
                    score.sizeBytes = evaluation.figures().bytesOnDisk();
                    for (OnnxEvaluation onnx : evaluation.onnx()) {
                        switch (onnx.precision()) {
                            case FP32 -> score.onnxFp32 = OnnxScore.of(onnx);
                            case INT8 -> score.onnxInt8 = OnnxScore.of(onnx);
                        }
                    }
                    score.path = event.path();
                    score.evaluatedAt = Instant.now();
                    score.announcedAt = announcedAt;
                    CheckpointManifest manifest = evaluation.manifest();
                    score.checkpointCreatedAt = instant(manifest.createdAt());
                    if (manifest.streamTimes() != null) {
                        score.newestExampleAt = instant(manifest.streamTimes().newestExampleAt());
                        score.newestExampleLabelledAt = instant(manifest.streamTimes().newestExampleLabelledAt());
                    }
                    return score.persist();
                });
    }

    /** A manifest's time, or null when it holds none or no ISO-8601 instant (it only feeds freshness figures). */
    private static Instant instant(String iso) {
        try {
            return iso == null ? null : Instant.parse(iso);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String toJson(List<String> labels) {
        try {
            return JSON.writeValueAsString(labels);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write labels " + labels, e);
        }
    }

    /** The checkpoint's stored score, or a {@code null} item if it has none yet. */
    @WithSession
    public Uni<CheckpointScore> find(String checkpointId) {
        return CheckpointScore.findById(checkpointId);
    }

    /**
     * The scored and decided checkpoints with weights that retention does not keep: not among {@code kept}, the best
     * {@code best} by accuracy or the newest {@code newest} by step.
     */
    @WithSession
    public Uni<List<CheckpointScore>> unkept(Set<String> kept, int best, int newest) {
        Set<String> keep = new HashSet<>(kept);
        return first(best, Sort.descending("accuracy", "macroF1").and("step", Sort.Direction.Descending))
                .invoke(rows -> rows.forEach(row -> keep.add(row.checkpointId)))
                .chain(() -> first(newest, Sort.descending("step")))
                .invoke(rows -> rows.forEach(row -> keep.add(row.checkpointId)))
                .chain(() -> CheckpointScore.<CheckpointScore>list(WITH_WEIGHTS))
                .map(rows -> rows.stream().filter(row -> !keep.contains(row.checkpointId)).toList());
    }

    /** The first {@code count} decided checkpoints with weights in this order. */
    private static Uni<List<CheckpointScore>> first(int count, Sort order) {
        return count < 1 ? Uni.createFrom().item(List.of())
                : CheckpointScore.<CheckpointScore>find(WITH_WEIGHTS, order).page(0, count).list();
    }

    /** Records that the checkpoints' weights are gone. */
    @WithTransaction
    public Uni<Integer> markRetired(List<String> checkpointIds) {
        return CheckpointScore.update("retiredAt = ?1 where checkpointId in ?2", Instant.now(), checkpointIds);
    }

    /** Checkpoints retired before {@code cutoff} whose directories are still there. */
    @WithSession
    public Uni<List<CheckpointScore>> retiredBefore(Instant cutoff) {
        return CheckpointScore.list("retiredAt < ?1 and removedAt is null", cutoff);
    }

    @WithTransaction
    public Uni<Integer> markRemoved(List<String> checkpointIds) {
        return CheckpointScore.update("removedAt = ?1 where checkpointId in ?2", Instant.now(), checkpointIds);
    }

    @WithSession
    public Uni<List<CheckpointScore>> leaderboard() {
        return CheckpointScore.listAll(Sort.descending("accuracy", "macroF1").and("step", Sort.Direction.Descending));
    }
}
