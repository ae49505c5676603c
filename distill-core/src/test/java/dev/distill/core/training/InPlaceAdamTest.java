package dev.distill.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InPlaceAdamTest {
    /**
     * Golden values from {@code torch.optim.Adam([w], lr)} in PyTorch 2.13 (defaults otherwise), the learning rate
     * set to 0.1, 0.05 and 0.02 before steps 1, 2 and 3, starting from w = [0.5, -1, 2].
     */
    private static final float[][] TORCH_WEIGHTS = {
        {0.4000000f, -0.9000000f, 1.9000000f},
        {0.4299177f, -0.9183052f, 1.8664970f},
        {0.4227349f, -0.9322789f, 1.8757615f},
    };
    private static final float[][] GRADIENTS = {{0.1f, -0.2f, 0.3f}, {-0.5f, 0.4f, 0f}, {1f, 1f, -1f}};
    private static final float[] RATES = {0.1f, 0.05f, 0.02f};
    private static final float[] START = {0.5f, -1f, 2f};

    @Test
    void updatesAsTorchAdamDoesAndClearsTheGradients() {
        updatesAsTorchAdam(new InPlaceAdam(update -> RATES[update - 1]));
    }

    /** A parameter above the block size is updated block by block, in views of its rows: the same values. */
    @Test
    void updatesLargeParametersInBlocksAsTorchAdamDoes() {
        updatesAsTorchAdam(new InPlaceAdam(update -> RATES[update - 1], 2));
    }

    private static void updatesAsTorchAdam(InPlaceAdam adam) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameter weight = parameter("w", manager.create(START), true);
            Parameter frozen = parameter("frozen", manager.create(new float[] {3f}), false);
            for (int step = 0; step < GRADIENTS.length; step++) {
                NDArray gradient = manager.create(GRADIENTS[step]);
                Map<Parameter, NDArray> gradients = Map.of(weight, gradient, frozen, manager.create(new float[] {1f}));
                adam.step(List.of(weight, frozen), gradients::get);
                assertArrayEquals(TORCH_WEIGHTS[step], weight.getArray().toFloatArray(), 1e-6f, "step " + (step + 1));
                assertArrayEquals(new float[3], gradient.toFloatArray(), 0f, "the gradient is consumed");
            }
            assertArrayEquals(new float[] {3f}, frozen.getArray().toFloatArray(), "a frozen parameter stays");
        }
    }

    /** The engine may hand parameters one shared gradient array: each update must see it as it came. */
    @Test
    void parametersSharingAGradientArrayGetTheSameUpdate() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameter first = parameter("first", manager.create(START), true);
            Parameter second = parameter("second", manager.create(START), true);
            InPlaceAdam adam = new InPlaceAdam(update -> RATES[update - 1]);
            for (int step = 0; step < GRADIENTS.length; step++) {
                NDArray shared = manager.create(GRADIENTS[step]);
                adam.step(List.of(first, second), parameter -> shared);
                assertArrayEquals(TORCH_WEIGHTS[step], first.getArray().toFloatArray(), 1e-6f, "step " + (step + 1));
                assertArrayEquals(TORCH_WEIGHTS[step], second.getArray().toFloatArray(), 1e-6f, "step " + (step + 1));
                assertArrayEquals(new float[3], shared.toFloatArray(), 0f, "the gradient is consumed");
            }
        }
    }

    private static Parameter parameter(String name, NDArray value, boolean trained) {
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optArray(value)
                .optRequiresGrad(trained).build();
    }
}
