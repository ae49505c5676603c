package dev.distill.eval.service;

import dev.distill.eval.CheckpointScore;
import dev.distill.eval.Promotion;
import java.time.Duration;
import java.time.Instant;

/**
 * How fresh a promoted student was when it began to answer {@code /predict}: the age of the newest example it learnt
 * from, and where that time went. The parts add up to the total:
 *
 * <pre>
 *   labelling  = soft label published        - example entered distill.examples   (label-service)
 *   training   = checkpoint begun            - soft label published               (train-service: queue, steps,
 *                                                                                  checkpoint cadence)
 *   checkpoint = checkpoint event published  - checkpoint begun                   (write, record, announce)
 *   scoring    = score stored                - checkpoint event published         (eval-service: queue, scoring)
 *   promotion  = serving /predict            - score stored                       (decision, loading)
 * </pre>
 *
 * The times come from the services' clocks (Kafka record timestamps are the producers'): on several hosts their skew
 * is in the parts, not in the total's order of magnitude.
 */
public record Freshness(String checkpointId, long step, Instant newestExampleAt, Instant servingSince,
        double totalSeconds, double labellingSeconds, double trainingSeconds, double checkpointSeconds,
        double scoringSeconds, double promotionSeconds) {

    /** The parts, by the name metrics tag them with, in stream order. */
    public static final String[] PARTS = {"labelling", "training", "checkpoint", "scoring", "promotion"};

    /** The promotion's freshness, or {@code null} while it does not serve yet or its checkpoint lacks stream times. */
    public static Freshness of(CheckpointScore score, Promotion promotion) {
        if (promotion.servingSince == null || score.newestExampleAt == null || score.newestExampleLabelledAt == null
                || score.checkpointCreatedAt == null || score.announcedAt == null || score.evaluatedAt == null) {
            return null;
        }
        return new Freshness(score.checkpointId, score.step, score.newestExampleAt, promotion.servingSince,
                seconds(score.newestExampleAt, promotion.servingSince),
                seconds(score.newestExampleAt, score.newestExampleLabelledAt),
                seconds(score.newestExampleLabelledAt, score.checkpointCreatedAt),
                seconds(score.checkpointCreatedAt, score.announcedAt),
                seconds(score.announcedAt, score.evaluatedAt),
                seconds(score.evaluatedAt, promotion.servingSince));
    }

    /** The part named as in {@link #PARTS}. */
    public double partSeconds(String part) {
        return switch (part) {
            case "labelling" -> labellingSeconds;
            case "training" -> trainingSeconds;
            case "checkpoint" -> checkpointSeconds;
            case "scoring" -> scoringSeconds;
            case "promotion" -> promotionSeconds;
            default -> throw new IllegalArgumentException("no freshness part " + part);
        };
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }
}
