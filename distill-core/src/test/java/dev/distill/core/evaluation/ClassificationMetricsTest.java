package dev.distill.core.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {

    @Test
    void accuracyAndMacroF1ByHand() {
        int[] gold = {0, 0, 0, 1, 1};
        int[] predicted = {0, 0, 1, 1, 0};
        // class 0: tp 2, fp 1, fn 1 -> F1 = 4/6; class 1: tp 1, fp 1, fn 1 -> F1 = 2/4
        ClassificationMetrics metrics = ClassificationMetrics.of(gold, predicted, 2);
        assertEquals(0.6, metrics.accuracy(), 1e-12);
        assertEquals((4.0 / 6 + 2.0 / 4) / 2, metrics.macroF1(), 1e-12);
        assertEquals(5, metrics.examples());
    }

    @Test
    void constantPredictorScoresHalfMacroF1OnBalancedPairs() {
        ClassificationMetrics metrics = ClassificationMetrics.of(new int[] {0, 1}, new int[] {1, 1}, 2);
        assertEquals(0.5, metrics.accuracy(), 1e-12);
        assertEquals((0 + 2.0 / 3) / 2, metrics.macroF1(), 1e-12);
    }

    @Test
    void argmaxPicksLargestLogit() {
        assertArrayEquals(new int[] {1, 0, 2}, ClassificationMetrics.argmax(
                new float[][] {{0f, 1f, -1f}, {3f, 2f, 1f}, {0f, 0f, 0.5f}}));
    }

    @Test
    void mismatchedLengthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(new int[2], new int[3], 2));
    }
}
