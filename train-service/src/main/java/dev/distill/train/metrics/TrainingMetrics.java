package dev.distill.train.metrics;

import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.training.StepLoss;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** The student's training meters on {@code /q/metrics} ({@link MetricNames}). */
@ApplicationScoped
public class TrainingMetrics {
    private final Counter steps;
    private final Counter examples;
    private final Counter skippedUpdates;
    private final Timer stepTime;
    private volatile double lastLoss = Double.NaN;
    private volatile double lastDivergence = Double.NaN;

    public TrainingMetrics(MeterRegistry registry) {
        this.steps = Counter.builder(MetricNames.TRAIN_STEPS).description("optimizer steps of the student")
                .register(registry);
        this.examples = Counter.builder(MetricNames.TRAIN_EXAMPLES).description("examples the student trained on")
                .register(registry);
        this.skippedUpdates = Counter.builder(MetricNames.TRAIN_UPDATES_SKIPPED)
                .description("steps whose update was skipped because a gradient was not finite").register(registry);
        this.stepTime = Timer.builder(MetricNames.TRAIN_STEP).description("one optimizer step, tokenization included")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(1)).register(registry);
        Gauge.builder(MetricNames.TRAIN_LOSS, this, metrics -> metrics.lastLoss)
                .description("loss of the last step").register(registry);
        Gauge.builder(MetricNames.TRAIN_KL, this, metrics -> metrics.lastDivergence)
                .description("mean KL(teacher_T || student_T) of the last step's batch").register(registry);
    }

    public void stepped(int batchExamples, StepLoss loss, long nanos) {
        steps.increment();
        examples.increment(batchExamples);
        if (loss.updateSkipped()) {
            skippedUpdates.increment();
        }
        stepTime.record(Duration.ofNanos(nanos));
        lastLoss = loss.loss();
        lastDivergence = loss.divergence();
    }
}
