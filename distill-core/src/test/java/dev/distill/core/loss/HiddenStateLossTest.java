package dev.distill.core.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class HiddenStateLossTest {

    @Test
    void sumsTheMeanSquaredErrorOfEveryMatchedPair() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Pair 1: differences [1, 0], [0, 2] -> squares 1, 0, 0, 4 -> mean 1.25. Pair 2: (0 - 1)^2 = 1.
            NDList teacher = new NDList(manager.create(new float[][] {{0, 2}, {3, 2}}),
                    manager.create(new float[][] {{1}, {1}}));
            NDList student = new NDList(manager.create(new float[][] {{1, 2}, {3, 4}}),
                    manager.create(new float[][] {{0}, {0}}));
            assertEquals(2.25f, new HiddenStateLoss().evaluate(teacher, student).getFloat(), 1e-6f);
        }
    }

    @Test
    void refusesUnpairedStates() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList one = new NDList(manager.create(new float[][] {{1}}));
            NDList two = new NDList(manager.create(new float[][] {{1}}), manager.create(new float[][] {{1}}));
            assertThrows(IllegalArgumentException.class, () -> new HiddenStateLoss().evaluate(one, two));
        }
    }
}
