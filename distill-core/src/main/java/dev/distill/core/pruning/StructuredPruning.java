package dev.distill.core.pruning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.weights.BertNames;
import dev.distill.core.weights.FeedForwardNarrowing;
import dev.distill.core.weights.WeightSlices;
import dev.distill.core.weights.WeightTransfer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Structured pruning of a BERT model: whole attention heads and feed-forward neurons are removed, the least important
 * first, every layer keeping the same number of each, so the pruned model is an ordinary smaller
 * {@link ModelConfig} (fewer heads of the same width, a narrower feed-forward block) that trains, checkpoints and
 * exports like any other.
 *
 * <p>Importance is the first-order estimate of how much the loss changes when a unit's output is gated away
 * (Michel, Levy and Neubig 2019, "Are Sixteen Heads Really Better than One?"; Molchanov et al. 2017 for neurons):
 * {@code I = |dL/d xi|} for a gate {@code xi} (= 1) on the unit's output. The gate scales the unit's columns of the
 * projection that reads it, so {@code dL/d xi = sum(W .* dL/dW)} over those columns: head h's columns of the attention
 * output projection, neuron j's column of the feed-forward output projection. Summed over batches of the training
 * data (the absolute value taken per batch, not per example as in the paper).
 */
public final class StructuredPruning {
    private static final String ATTENTION_OUT = BertNames.ATTENTION_OUTPUT + BertNames.WEIGHT;
    /** The weights and biases whose rows are the heads' channels. */
    private static final List<String> HEAD_ROWS = Stream.of(BertNames.QUERY, BertNames.KEY, BertNames.VALUE)
            .flatMap(linear -> Stream.of(linear + BertNames.WEIGHT, linear + BertNames.BIAS)).toList();

    private StructuredPruning() {
    }

    /** Importance of every head ({@code [layer][head]}) and feed-forward neuron ({@code [layer][neuron]}). */
    public record Importance(double[][] heads, double[][] neurons) {

        public static Importance none(ModelConfig config) {
            return new Importance(new double[config.layers()][config.heads()],
                    new double[config.layers()][config.intermediateSize()]);
        }

        /**
         * Adds one batch's importance from the model's weights and the gradients of the batch's loss.
         *
         * @param weights   weight by Hugging Face name
         * @param gradients gradient of the loss by the same name
         */
        public void add(ModelConfig config, Function<String, NDArray> weights, Function<String, NDArray> gradients) {
            for (int layer = 0; layer < config.layers(); layer++) {
                String prefix = BertNames.layer(layer);
                double[] attention = gateGradients(weights.apply(prefix + ATTENTION_OUT),
                        gradients.apply(prefix + ATTENTION_OUT));
                for (int head = 0; head < config.heads(); head++) {
                    double sum = 0;
                    for (int c = head * config.attentionHeadSize(); c < (head + 1) * config.attentionHeadSize(); c++) {
                        sum += attention[c];
                    }
                    heads[layer][head] += Math.abs(sum);
                }
                double[] feedForward = gateGradients(weights.apply(prefix + FeedForwardNarrowing.OUT_WEIGHT),
                        gradients.apply(prefix + FeedForwardNarrowing.OUT_WEIGHT));
                for (int neuron = 0; neuron < feedForward.length; neuron++) {
                    neurons[layer][neuron] += Math.abs(feedForward[neuron]);
                }
            }
        }

        /** {@code sum over rows of W .* G}, per column: the loss gradient of a gate on each input of the projection. */
        private static double[] gateGradients(NDArray weight, NDArray gradient) {
            float[] w = weight.toType(DataType.FLOAT32, false).toFloatArray();
            float[] g = gradient.toType(DataType.FLOAT32, false).toFloatArray();
            int columns = (int) weight.getShape().get(1);
            double[] sums = new double[columns];
            for (int i = 0; i < w.length; i++) {
                sums[i % columns] += (double) w[i] * g[i];
            }
            return sums;
        }
    }

    /**
     * The model cut to its {@code heads} most important heads and {@code neurons} most important feed-forward
     * neurons in every layer.
     *
     * @param weights weights by Hugging Face name; the pruned ones are created in their managers
     * @return the pruned model's size and weights (all of them, the untouched ones shared)
     * @throws IllegalArgumentException if more heads or neurons are asked for than the model has
     */
    public static Pruned prune(ModelConfig config, Map<String, NDArray> weights, Importance importance, int heads,
            int neurons) {
        if (heads < 1 || heads > config.heads() || neurons < 1 || neurons > config.intermediateSize()) {
            throw new IllegalArgumentException("cannot keep " + heads + " of " + config.heads() + " heads and "
                    + neurons + " of " + config.intermediateSize() + " feed-forward neurons per layer");
        }
        int[][] keptChannels = new int[config.layers()][];
        int[][] keptNeurons = new int[config.layers()][];
        for (int layer = 0; layer < config.layers(); layer++) {
            int headSize = config.attentionHeadSize();
            keptChannels[layer] = IntStream.of(WeightSlices.mostImportant(importance.heads()[layer], heads))
                    .flatMap(head -> IntStream.range(head * headSize, (head + 1) * headSize)).toArray();
            keptNeurons[layer] = WeightSlices.mostImportant(importance.neurons()[layer], neurons);
        }
        Map<String, NDArray> pruned = new LinkedHashMap<>();
        weights.forEach((name, weight) -> {
            Matcher layer = BertNames.LAYER_WEIGHT.matcher(name);
            pruned.put(name, layer.matches() ? cut(layer.group(2), weight,
                    keptChannels[Integer.parseInt(layer.group(1))], keptNeurons[Integer.parseInt(layer.group(1))])
                    : weight);
        });
        return new Pruned(config.withHeads(heads).withIntermediateSize(neurons), pruned);
    }

    /** A pruned model: its size and its weights under Hugging Face names. */
    public record Pruned(ModelConfig config, Map<String, NDArray> weights) {

        /** The pruned model as a block, its parameters in {@code manager}. */
        public BertClassifier model(NDManager manager) {
            BertClassifier model = new BertClassifier(config);
            model.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
            WeightTransfer.assign(model.weights(), weights, "the pruned model");
            return model;
        }
    }

    /**
     * A head-pruned model's weights in the layout of its unpruned width: the heads pruned away come back as heads
     * whose query, key and value weights and biases are zero, and whose columns of the attention output projection
     * are zero. Such a head attends evenly and contributes nothing, so the model computes what the pruned one does,
     * in a layout that every BERT implementation loads (transformers 5 no longer reads {@code pruned_heads}).
     *
     * @param weights a pruned model's weights by Hugging Face name; the restored ones are created in
     *                {@code manager}, the others are returned as they are
     */
    public static Map<String, NDArray> withPrunedHeadsAsZeros(ModelConfig config, Map<String, NDArray> weights,
            NDManager manager) {
        long missing = config.hiddenSize() - config.attentionWidth();
        if (missing <= 0) {
            return weights;
        }
        Map<String, NDArray> restored = new LinkedHashMap<>();
        weights.forEach((name, weight) -> {
            Matcher layer = BertNames.LAYER_WEIGHT.matcher(name);
            String within = layer.matches() ? layer.group(2) : "";
            if (within.equals(ATTENTION_OUT)) {
                restored.put(name, weight.concat(manager.zeros(new Shape(weight.getShape().get(0), missing)), 1));
            } else if (HEAD_ROWS.contains(within)) {
                Shape rows = weight.getShape().getShape().length == 1 ? new Shape(missing)
                        : new Shape(missing, weight.getShape().get(1));
                restored.put(name, weight.concat(manager.zeros(rows), 0));
            } else {
                restored.put(name, weight);
            }
        });
        return restored;
    }

    private static NDArray cut(String weight, NDArray full, int[] channels, int[] neurons) {
        if (HEAD_ROWS.contains(weight)) {
            return WeightSlices.rows(full, channels);
        }
        return switch (weight) {
            case ATTENTION_OUT -> WeightSlices.columns(full, channels);
            case FeedForwardNarrowing.IN_WEIGHT, FeedForwardNarrowing.IN_BIAS -> WeightSlices.rows(full, neurons);
            case FeedForwardNarrowing.OUT_WEIGHT -> WeightSlices.columns(full, neurons);
            default -> full;
        };
    }
}
