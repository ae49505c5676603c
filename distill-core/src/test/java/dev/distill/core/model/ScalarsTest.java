package dev.distill.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ScalarsTest {
    @Test
    void theGradientOfAProductIsExactAfterTheProcessReusedFreedMemory() throws InterruptedException {
        assertGradientSurvivesReuse(x -> Scalars.times(x, 3f), 3f);
    }

    @Test
    void theGradientOfAQuotientIsExactAfterTheProcessReusedFreedMemory() throws InterruptedException {
        assertGradientSurvivesReuse(x -> Scalars.dividedBy(x, 4f), 0.25f);
    }

    /**
     * Between the forward and the backward pass, freed direct buffers are collected and their memory is handed out
     * again, filled with NaN: with DJL's {@code x.mul(3f)} the gradient read that NaN in every trial.
     */
    private static void assertGradientSurvivesReuse(UnaryOperator<NDArray> operation, float expected)
            throws InterruptedException {
        for (int trial = 0; trial < 3; trial++) {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray x = manager.ones(new Shape(4));
                x.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray y = operation.apply(x);
                    reuseFreedDirectMemory();
                    collector.backward(y.sum());
                }
                assertArrayEquals(new float[] {expected, expected, expected, expected},
                        x.getGradient().toFloatArray(), "trial " + trial);
            }
        }
    }

    private static void reuseFreedDirectMemory() throws InterruptedException {
        System.gc();
        // the cleaner thread frees collected buffers' memory
        Thread.sleep(50);
        List<ByteBuffer> reused = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            reused.add(ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putFloat(0, Float.NaN));
        }
    }
}
