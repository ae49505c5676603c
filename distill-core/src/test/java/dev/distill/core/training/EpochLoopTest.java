package dev.distill.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.support.TestData;
import dev.distill.core.wire.SoftLabel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EpochLoopTest {
    private static final ModelConfig SIZE = new ModelConfig(30522, 16, 1, 2, 32, 2);

    /**
     * A run whose weights blow up skips the updates whose gradients are not finite, and stops at the step where the
     * loss stopped being a number, saying where and why.
     */
    @Test
    void aDivergingRunStopsWithTheStepAndAHint() {
        List<SoftLabel> examples = TestData.goldExamples(64);
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
        List<SoftLabel> examples = TestData.goldExamples(40);
        List<Long> steps = new ArrayList<>();
        try (DistillationTrainer trainer = new DistillationTrainer(SIZE,
                TrainingSettings.constantRate(1f, 1f, 1e-3f, 1), TestData.tokenizer(), Device.cpu())) {
            double loss = EpochLoop.run(trainer, examples, 2, 8, 1, (epoch, of, step, total, l) -> steps.add(step));
            assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
        }
        assertEquals(10, steps.size(), "2 epochs of 5 batches");
    }

    /**
     * An epoch's batches hold every example once, as many batches as plain slicing, and pad far less than batches of
     * a random mix: lengths are sorted within pools, the batches are then shuffled.
     */
    @Test
    void batchesHoldEveryExampleOnceAndPadLittle() {
        Random lengths = new Random(3);
        List<SoftLabel> examples = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            examples.add(new SoftLabel("e" + i, "x".repeat(1 + lengths.nextInt(200)), 0, null));
        }
        List<List<SoftLabel>> batches = EpochLoop.batches(new ArrayList<>(examples), 8, new Random(1));

        assertEquals(125, batches.size());
        Set<String> seen = new HashSet<>();
        batches.forEach(batch -> batch.forEach(example -> assertTrue(seen.add(example.exampleId()))));
        assertEquals(1000, seen.size());
        List<List<SoftLabel>> randomMix = new ArrayList<>();
        for (int from = 0; from < examples.size(); from += 8) {
            randomMix.add(examples.subList(from, from + 8));
        }
        assertTrue(padded(batches) * 2 < padded(randomMix), padded(batches) + " vs " + padded(randomMix));
        List<String> firstIds = batches.stream().map(batch -> batch.get(0).exampleId()).toList();
        assertNotEquals(firstIds, EpochLoop.batches(new ArrayList<>(examples), 8, new Random(2)).stream()
                .map(batch -> batch.get(0).exampleId()).toList(), "another seed, another order");
    }

    /** Characters of padding: each text padded to the longest of its batch. */
    private static long padded(List<List<SoftLabel>> batches) {
        long padding = 0;
        for (List<SoftLabel> batch : batches) {
            int longest = batch.stream().mapToInt(example -> example.text().length()).max().orElse(0);
            padding += batch.stream().mapToInt(example -> longest - example.text().length()).sum();
        }
        return padding;
    }
}
