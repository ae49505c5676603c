package dev.distill.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Adam (Kingma and Ba 2015, "Adam: A Method for Stochastic Optimization"), computed as {@code torch.optim.Adam}
 * computes it, with its defaults (beta1 0.9, beta2 0.999, eps 1e-8, no weight decay):
 *
 * <pre>
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   w = w - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * <p>Why not DJL's {@code Adam} behind {@code Trainer.step()}: on the PyTorch engine that path copies every gradient
 * and rebuilds the moments out of place, a quarter of a 4-layer x 384 student's training step; here the moments and
 * weights are updated in place. The engine's gradients are only read until every parameter is updated (parameters
 * may share one), then zeroed: the engine adds new ones to them.
 */
final class InPlaceAdam {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;
    /**
     * The most values updated at once (16 MiB of floats): larger parameters, the embedding table, are updated in
     * row blocks, so that the temporary arrays stay under the C heap's mmap threshold ({@code NativeAllocator}).
     * Above it each temporary is mapped and faulted in afresh: 13 ms per temporary the size of a 30,522 x 384 table,
     * 0.3 ms per block of a third of it.
     */
    static final long BLOCK_VALUES = 4 << 20;

    private final Tracker learningRate;
    private final long blockValues;
    /** m / (1 - beta1) and v / (1 - beta2): the constant factors move into the step size, a pass fewer each. */
    private final Map<String, NDArray> scaledMeans = new HashMap<>();
    private final Map<String, NDArray> scaledVariances = new HashMap<>();
    private int updates;

    /** @param learningRate the rate of update t, counting from 1 */
    InPlaceAdam(Tracker learningRate) {
        this(learningRate, BLOCK_VALUES);
    }

    /** @param blockValues the most values updated at once (tests set it small) */
    InPlaceAdam(Tracker learningRate, long blockValues) {
        this.learningRate = learningRate;
        this.blockValues = blockValues;
    }

    /**
     * One update of every trainable parameter from its gradient.
     *
     * @param gradientOf the parameter's gradient (the engine's own array, zeroed once all are updated; parameters
     *                   may share one)
     */
    void step(Iterable<Parameter> parameters, Function<Parameter, NDArray> gradientOf) {
        updates++;
        double rate = learningRate.getNewValue(updates);
        double secondCorrection = Math.sqrt(1 - Math.pow(BETA2, updates));
        // w -= lr / (1 - b1^t) * m / (sqrt(v) / c2 + eps), with m = (1 - b1) M, v = (1 - b2) V, c2 = sqrt(1 - b2^t)
        //    = M / ((sqrt(V) + eps c2 / sqrt(1 - b2)) / s), s = lr (1 - b1) c2 / ((1 - b1^t) sqrt(1 - b2))
        double stepSize = rate * (1 - BETA1) * secondCorrection
                / ((1 - Math.pow(BETA1, updates)) * Math.sqrt(1 - BETA2));
        float epsilon = (float) (EPSILON * secondCorrection / Math.sqrt(1 - BETA2));
        List<NDArray> gradients = new ArrayList<>();
        for (Parameter parameter : parameters) {
            if (parameter.requiresGradient()) {
                NDArray gradient = gradientOf.apply(parameter);
                update(parameter, gradient, (float) (1 / stepSize), epsilon);
                gradients.add(gradient);
            }
        }
        // the update runs only on finite gradients (the trainer skips others), so this is an exact zero
        gradients.forEach(gradient -> gradient.muli(0f));
    }

    private void update(Parameter parameter, NDArray gradient, float inverseStepSize, float epsilon) {
        NDArray weight = parameter.getArray();
        // the moments live with the weights, in the model's manager
        NDArray mean = scaledMeans.computeIfAbsent(parameter.getId(), id -> weight.zerosLike());
        NDArray variance = scaledVariances.computeIfAbsent(parameter.getId(), id -> weight.zerosLike());
        long[] blockStarts = blockStarts(weight);
        if (blockStarts.length == 0) {
            update(weight, gradient, mean, variance, inverseStepSize, epsilon);
            return;
        }
        // views: what is done to a block is done to the array
        try (NDList weights = weight.split(blockStarts); NDList gradients = gradient.split(blockStarts);
                NDList means = mean.split(blockStarts); NDList variances = variance.split(blockStarts)) {
            for (int block = 0; block < weights.size(); block++) {
                update(weights.get(block), gradients.get(block), means.get(block), variances.get(block),
                        inverseStepSize, epsilon);
            }
        }
    }

    /** Where the row blocks of a parameter above {@link #blockValues} start, the first excluded; none if below. */
    private long[] blockStarts(NDArray weight) {
        if (weight.size() <= blockValues) {
            return new long[0];
        }
        long rows = weight.getShape().get(0);
        long rowValues = weight.size() / rows;
        long blockRows = Math.max(1, blockValues / rowValues);
        long[] starts = new long[(int) ((rows - 1) / blockRows)];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = (i + 1) * blockRows;
        }
        return starts;
    }

    /**
     * Ten passes over the values, three of them into temporaries from the C heap's free memory. Not into kept
     * scratch arrays: the engine has no in-place square root, and DJL's {@code copyTo} goes through a Java buffer
     * (15 ms per copy of a 4 x 384 student, where an engine pass takes 2 ms).
     */
    private static void update(NDArray weight, NDArray gradient, NDArray mean, NDArray variance,
            float inverseStepSize, float epsilon) {
        mean.muli(BETA1).addi(gradient);
        try (NDArray square = gradient.mul(gradient)) {
            variance.muli(BETA2).addi(square);
        }
        try (NDArray denominator = variance.sqrt(); NDArray change = mean.div(denominator.addi(epsilon)
                .muli(inverseStepSize))) {
            weight.subi(change);
        }
    }
}
