package dev.distill.eval.service;

import dev.distill.core.telemetry.MetricNames;
import dev.distill.eval.CheckpointScore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/** Evaluation meters on {@code /q/metrics} ({@link MetricNames}); NaN until there is a value. */
@ApplicationScoped
public class EvalMetrics {
    private final MeterRegistry registry;
    private final Counter checkpoints;
    private volatile double accuracy = Double.NaN;
    private volatile double agreement = Double.NaN;
    private volatile double promotedAccuracy = Double.NaN;

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
}
