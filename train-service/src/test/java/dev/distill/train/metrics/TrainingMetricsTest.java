package dev.distill.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.training.StepLoss;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class TrainingMetricsTest {
    @Test
    void skippedUpdatesAreCountedApartAndAmongTheSteps() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TrainingMetrics metrics = new TrainingMetrics(registry);
        metrics.stepped(32, new StepLoss(0.7f, 0.1f, false), 1_000_000);
        metrics.stepped(32, new StepLoss(Float.NaN, Float.NaN, true), 1_000_000);
        metrics.stepped(16, new StepLoss(0.6f, 0.1f, false), 1_000_000);

        assertEquals(3, registry.get(MetricNames.TRAIN_STEPS).counter().count());
        assertEquals(1, registry.get(MetricNames.TRAIN_UPDATES_SKIPPED).counter().count());
        assertEquals(80, registry.get(MetricNames.TRAIN_EXAMPLES).counter().count());
        assertEquals(0.6, registry.get(MetricNames.TRAIN_LOSS).gauge().value(), 1e-6);
    }
}
