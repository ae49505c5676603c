package dev.distill.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.support.TestData;
import dev.distill.core.wire.SoftLabel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpochLoopTest {
    private static final ModelConfig SIZE = new ModelConfig(30522, 16, 1, 2, 32, 2);

    /**
     * A run whose weights blow up skips the updates whose gradients are not finite, and stops at the step where the
     * loss stopped being a number, saying where and why.
     */
    @Test
    void aDivergingRunStopsWithTheStepAndAHint() {
        List<SoftLabel> examples = examples(64);
        try (DistillationTrainer trainer = new DistillationTrainer(SIZE,
                TrainingSettings.constantRate(1f, 1f, 1e30f, 1), TestData.tokenizer(), Device.cpu())) {
            IllegalStateException stopped = assertThrows(IllegalStateException.class,
                    () -> EpochLoop.run(trainer, examples, 5, 8, 1, (epoch, of, step, total, loss) -> { }));
            assertTrue(stopped.getMessage().matches("the loss became (NaN|Infinity|-Infinity) at step \\d+ .*"
                    + "try a lower learning rate"), stopped.getMessage());
            assertTrue(trainer.skippedSteps() > 0, "the update with non-finite gradients was skipped");
        }
    }

    @Test
    void anOrdinaryRunReportsEveryStepAndAFiniteLoss() {
        List<SoftLabel> examples = examples(40);
        List<Long> steps = new ArrayList<>();
        try (DistillationTrainer trainer = new DistillationTrainer(SIZE,
                TrainingSettings.constantRate(1f, 1f, 1e-3f, 1), TestData.tokenizer(), Device.cpu())) {
            double loss = EpochLoop.run(trainer, examples, 2, 8, 1, (epoch, of, step, total, l) -> steps.add(step));
            assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
        }
        assertEquals(10, steps.size(), "2 epochs of 5 batches");
    }

    private static List<SoftLabel> examples(int count) {
        List<SoftLabel> examples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            examples.add(new SoftLabel("e" + i, (i % 2 == 0 ? "a fine , moving film " : "a dull , tired film ") + i,
                    i % 2, null));
        }
        return examples;
    }
}
