package dev.distill.core.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Golden values worked out by hand for the batch
 * student s1 = [2, 0], s2 = [0, 1]; teacher t1 = [1, 0], t2 = [0, 2]; gold y1 = 0, y2 = 1.
 *
 * <pre>
 * CE = (log(1 + e^-2) + log(1 + e^-1)) / 2                                   = 0.2200948
 * T=1: KL1 = p.log(p/q) with p = softmax[1,0], q = softmax[2,0]; KL2 likewise  -> mean KL = 0.0748692
 * T=2: same on logits / 2                                                     -> mean KL = 0.0271498
 * L = alpha * CE + (1 - alpha) * T^2 * KL
 * </pre>
 */
class DistillationLossTest {
    private static final float[][] STUDENT = {{2f, 0f}, {0f, 1f}};
    private static final float[][] TEACHER = {{1f, 0f}, {0f, 2f}};
    private static final float[][] GOLD = {{1f, 0f}, {0f, 1f}};

    @ParameterizedTest(name = "T={0} alpha={1}")
    @CsvSource({
        "1, 0.0, 0.0748692",
        "1, 0.5, 0.1474820",
        "1, 1.0, 0.2200948",
        "2, 0.0, 0.1085992",
        "2, 0.5, 0.1643470",
        "2, 1.0, 0.2200948"})
    void matchesHandComputedValues(float temperature, float alpha, double expected) {
        assertEquals(expected, loss(alpha, temperature, GOLD), 1e-5);
    }

    @Test
    void klTermMatchesClosedFormAtTemperatureOne() {
        // KL(p||q) for two classes = p0*log(p0/q0) + p1*log(p1/q1) with p = sigmoid of the logit gap.
        double p1 = 1 / (1 + Math.exp(-1)); // softmax([1,0])[0]
        double q1 = 1 / (1 + Math.exp(-2)); // softmax([2,0])[0]
        double kl1 = p1 * Math.log(p1 / q1) + (1 - p1) * Math.log((1 - p1) / (1 - q1));
        double p2 = 1 / (1 + Math.exp(-2)); // softmax([0,2])[1]
        double q2 = 1 / (1 + Math.exp(-1)); // softmax([0,1])[1]
        double kl2 = p2 * Math.log(p2 / q2) + (1 - p2) * Math.log((1 - p2) / (1 - q2));
        assertEquals((kl1 + kl2) / 2, loss(0f, 1f, GOLD), 1e-6);
    }

    /** The plain-array divergence gives the golden KL terms the tensor loss gives. */
    @ParameterizedTest(name = "T={0}")
    @CsvSource({"1, 0.0748692", "2, 0.0271498"})
    void softTargetsGiveTheSameDivergence(float temperature, double expectedMeanKl) {
        double mean = (SoftTargets.klDivergence(TEACHER[0], STUDENT[0], temperature)
                + SoftTargets.klDivergence(TEACHER[1], STUDENT[1], temperature)) / 2;
        assertEquals(expectedMeanKl, mean, 1e-6);
    }

    @Test
    void reportsTheUnweightedDivergenceTerm() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList labels = new NDList(manager.create(GOLD), manager.create(TEACHER));
            NDList terms = new DistillationLoss(0.5f, 2f).evaluateTerms(labels, new NDList(manager.create(STUDENT)));
            assertEquals(0.1643470, terms.get(0).getFloat(), 1e-5);
            assertEquals(0.0271498, terms.get(1).getFloat(), 1e-6);
        }
    }

    @Test
    void crossEntropyIsAveragedOverLabelledExamplesOnly() {
        float[][] onlyFirstLabelled = {{1f, 0f}, {0f, 0f}};
        assertEquals(Math.log(1 + Math.exp(-2)), loss(1f, 1f, onlyFirstLabelled), 1e-6);
        assertEquals(0.0, loss(1f, 1f, new float[][] {{0f, 0f}, {0f, 0f}}), 1e-9);
    }

    @Test
    void refusesOutOfRangeSettings() {
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(1.5f, 1f));
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0.5f, 0f));
    }

    private static double loss(float alpha, float temperature, float[][] gold) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList labels = new NDList(manager.create(gold), manager.create(TEACHER));
            NDList predictions = new NDList(manager.create(STUDENT));
            return new DistillationLoss(alpha, temperature).evaluate(labels, predictions).getFloat();
        }
    }
}
