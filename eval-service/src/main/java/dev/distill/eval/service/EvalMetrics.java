package dev.distill.eval.service;

import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.wire.PromotionEvent;
import dev.distill.eval.CheckpointScore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import java.time.Duration;
import java.time.Instant;

/** Evaluation meters on {@code /q/metrics} ({@link MetricNames}), there from the start; NaN until there is a value. */
@Startup
@ApplicationScoped
public class EvalMetrics {
    private final MeterRegistry registry;
    private final Counter checkpoints;
    private volatile double accuracy = Double.NaN;
    private volatile double agreement = Double.NaN;
    private volatile double promotedAccuracy = Double.NaN;
    private volatile double checkpointBytes = Double.NaN;
    private volatile double checkpointsKept = Double.NaN;
    /** When the newest example of the student serving {@code /predict} entered the stream; null until known. */
    private volatile Instant servingNewestExampleAt;
    /** {@link System#nanoTime} when the scoring in progress started; null while none runs. */
    private volatile Long scoringSince;

    public EvalMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.checkpoints = Counter.builder(MetricNames.EVAL_CHECKPOINTS).description("checkpoints scored")
                .register(registry);
        Gauge.builder(MetricNames.EVAL_ACCURACY, this, metrics -> metrics.accuracy)
                .description("held-out accuracy of the last scored checkpoint").register(registry);
        Gauge.builder(MetricNames.EVAL_AGREEMENT, this, metrics -> metrics.agreement)
                .description("share of held-out examples where the last scored checkpoint agrees with the teacher")
                .register(registry);
        Gauge.builder(MetricNames.EVAL_PROMOTED_ACCURACY, this, metrics -> metrics.promotedAccuracy)
                .description("held-out accuracy of the promoted checkpoint").register(registry);
        Gauge.builder(MetricNames.EVAL_CHECKPOINT_VOLUME_BYTES, this, metrics -> metrics.checkpointBytes)
                .description("bytes under the checkpoint directory, as last measured by checkpoint retention")
                .register(registry);
        Gauge.builder(MetricNames.EVAL_CHECKPOINTS_KEPT, this, metrics -> metrics.checkpointsKept)
                .description("checkpoints whose weights are on disk, as last measured by checkpoint retention")
                .register(registry);
        Gauge.builder(MetricNames.EVAL_SERVING_EXAMPLE_AGE_SECONDS, this, EvalMetrics::servingExampleAge)
                .description("age of the newest example the student serving /predict learnt from; NaN until a "
                        + "promotion of this start has served").register(registry);
        Gauge.builder(MetricNames.EVAL_SCORING_SECONDS, this, EvalMetrics::scoringSeconds)
                .description("seconds the scoring in progress has taken so far; 0 while none runs")
                .register(registry);
    }

    /** @param startedNanos {@link System#nanoTime} at the start */
    public void scoringStarted(long startedNanos) {
        scoringSince = startedNanos;
    }

    public void scoringEnded() {
        scoringSince = null;
    }

    /** @param kept checkpoints whose weights are on disk */
    public void checkpointVolume(long bytes, long kept) {
        checkpointBytes = bytes;
        checkpointsKept = kept;
    }

    /** A promoted student began to serve with this freshness. */
    public void servingFreshness(Freshness freshness) {
        servingNewestExampleAt = freshness.newestExampleAt();
        freshnessSummary("total").record(freshness.totalSeconds());
        for (String part : Freshness.PARTS) {
            freshnessSummary(part).record(freshness.partSeconds(part));
        }
    }

    private DistributionSummary freshnessSummary(String part) {
        return DistributionSummary.builder(MetricNames.EVAL_FRESHNESS_SECONDS).baseUnit("seconds")
                .description("seconds from the newest example a promoted student learnt from entering the stream "
                        + "to the student serving /predict, by part").tag("part", part)
                .publishPercentiles(0.5, 0.95).register(registry);
    }

    private double servingExampleAge() {
        Instant newest = servingNewestExampleAt;
        return newest == null ? Double.NaN : Duration.between(newest, Instant.now()).toNanos() / 1e9;
    }

    private double scoringSeconds() {
        Long since = scoringSince;
        return since == null ? 0 : (System.nanoTime() - since) / 1e9;
    }

    public void scored(CheckpointScore score) {
        checkpoints.increment();
        accuracy = score.accuracy;
        agreement = score.agreement == null ? Double.NaN : score.agreement;
    }

    /** A checkpoint kept from promotion by the limit {@code latency} or {@code size}. */
    public void refused(String limit) {
        Counter.builder(MetricNames.EVAL_PROMOTIONS_REFUSED).description("checkpoints kept from promotion by a limit")
                .tag("limit", limit).register(registry).increment();
    }

    /** @param accuracy of the checkpoint serving now, or {@code null} if none does */
    public void promoted(Double accuracy) {
        promotedAccuracy = accuracy == null ? Double.NaN : accuracy;
    }

    void onPromotion(@ObservesAsync PromotionEvent promotion) {
        promoted(promotion.accuracy());
    }
}
