package dev.distill.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.HashMap;
import java.util.Map;

/**
 * Takes a transformer layer's feed-forward block down to its {@code kept} most important neurons, for a student
 * narrower than its source: structured pruning by weight magnitude, the importance of neuron j being
 * {@code ||W_in[j, :]|| * ||W_out[:, j]||} (a neuron whose weights in or out are small changes the layer little).
 * Weights use Hugging Face names and layouts: {@code intermediate.dense.weight} is {@code [intermediate, hidden]},
 * {@code output.dense.weight} is {@code [hidden, intermediate]}.
 */
public final class FeedForwardNarrowing {
    public static final String IN_WEIGHT = BertNames.INTERMEDIATE + BertNames.WEIGHT;
    public static final String IN_BIAS = BertNames.INTERMEDIATE + BertNames.BIAS;
    public static final String OUT_WEIGHT = BertNames.OUTPUT + BertNames.WEIGHT;

    private final Map<String, NDArray> source;
    private final int kept;
    /** Kept neuron indices (ascending) per source layer prefix. */
    private final Map<String, int[]> keptNeurons = new HashMap<>();

    /** @param source weights under Hugging Face names; narrowed arrays are created in their manager */
    public FeedForwardNarrowing(Map<String, NDArray> source, int kept) {
        this.source = source;
        this.kept = kept;
    }

    /** Whether this weight (the part of a name after its layer prefix) is one this narrowing changes. */
    public static boolean narrows(String weight) {
        return weight.equals(IN_WEIGHT) || weight.equals(IN_BIAS) || weight.equals(OUT_WEIGHT);
    }

    /**
     * The weight {@code layerPrefix + weight} of the source, cut to the kept neurons.
     *
     * @throws IllegalArgumentException if the source layer lacks its feed-forward weights or has fewer neurons
     */
    public NDArray weight(String layerPrefix, String weight) {
        NDArray full = require(layerPrefix + weight);
        int[] neurons = keptNeurons.computeIfAbsent(layerPrefix, this::mostImportant);
        return weight.equals(OUT_WEIGHT) ? WeightSlices.columns(full, neurons) : WeightSlices.rows(full, neurons);
    }

    private int[] mostImportant(String layerPrefix) {
        float[] in = require(layerPrefix + IN_WEIGHT).toType(DataType.FLOAT32, false).toFloatArray();
        NDArray outArray = require(layerPrefix + OUT_WEIGHT);
        float[] out = outArray.toType(DataType.FLOAT32, false).toFloatArray();
        int hidden = (int) outArray.getShape().get(0);
        int neurons = (int) outArray.getShape().get(1);
        if (kept > neurons) {
            throw new IllegalArgumentException(layerPrefix + " has " + neurons + " feed-forward neurons, fewer than "
                    + kept);
        }
        double[] importance = new double[neurons];
        for (int j = 0; j < neurons; j++) {
            double inNorm = 0;
            for (int h = 0; h < hidden; h++) {
                inNorm += (double) in[j * hidden + h] * in[j * hidden + h];
            }
            double outNorm = 0;
            for (int h = 0; h < hidden; h++) {
                outNorm += (double) out[h * neurons + j] * out[h * neurons + j];
            }
            importance[j] = Math.sqrt(inNorm) * Math.sqrt(outNorm);
        }
        return WeightSlices.mostImportant(importance, kept);
    }

    private NDArray require(String name) {
        NDArray weight = source.get(name);
        if (weight == null) {
            throw new IllegalArgumentException("the source has no weight " + name + " to narrow");
        }
        return weight;
    }
}
