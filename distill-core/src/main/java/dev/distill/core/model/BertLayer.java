package dev.distill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.distill.core.weights.BertNames;
import java.util.Map;

/**
 * One BERT encoder layer, as Hugging Face {@code BertLayer}: multi-head self-attention with query, key and value
 * projections, an output projection, dropout, a residual connection and LayerNorm (post-LN), then an exact (erf) GELU
 * feed-forward network with its own residual and LayerNorm. LayerNorm epsilon 1e-12, dropout 0.1, as BERT.
 *
 * <p>Inputs: hidden states (B, S, H) and the additive attention mask (B, 1, 1, S): 0 where attention is allowed, a
 * large negative number on padding. Output: (B, S, H).
 */
final class BertLayer extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int heads;
    private final int headSize;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Dropout attentionDropout;
    private final Linear attentionOutput;
    private final Dropout attentionOutputDropout;
    private final LayerNorm attentionNorm;
    private final Linear intermediate;
    private final Linear output;
    private final Dropout outputDropout;
    private final LayerNorm outputNorm;

    BertLayer(ModelConfig config) {
        super(VERSION);
        this.heads = config.heads();
        this.headSize = config.attentionHeadSize();
        query = addChildBlock("query", linear(config.attentionWidth()));
        key = addChildBlock("key", linear(config.attentionWidth()));
        value = addChildBlock("value", linear(config.attentionWidth()));
        attentionDropout = addChildBlock("attentionDropout", dropout());
        attentionOutput = addChildBlock("attentionOutput", linear(config.hiddenSize()));
        attentionOutputDropout = addChildBlock("attentionOutputDropout", dropout());
        attentionNorm = addChildBlock("attentionNorm", layerNorm());
        intermediate = addChildBlock("intermediate", linear(config.intermediateSize()));
        output = addChildBlock("output", linear(config.hiddenSize()));
        outputDropout = addChildBlock("outputDropout", dropout());
        outputNorm = addChildBlock("outputNorm", layerNorm());
    }

    static Linear linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    /** Dropout at BERT's rate while training. */
    static Dropout dropout() {
        return Dropout.builder().optRate(ModelConfig.DROPOUT).build();
    }

    static LayerNorm layerNorm() {
        return LayerNorm.builder().axis(2).optEpsilon(ModelConfig.LAYER_NORM_EPSILON).build();
    }

    /** A Linear block's weight [out, in] and bias under Hugging Face names. */
    static void collectLinear(String prefix, Linear linear, Map<String, Parameter> into) {
        into.put(prefix + BertNames.WEIGHT, linear.getParameters().get("weight"));
        into.put(prefix + BertNames.BIAS, linear.getParameters().get("bias"));
    }

    /** A LayerNorm's scale and shift under Hugging Face names. */
    static void collectNorm(String prefix, LayerNorm norm, Map<String, Parameter> into) {
        into.put(prefix + BertNames.WEIGHT, norm.getParameters().get("gamma"));
        into.put(prefix + BertNames.BIAS, norm.getParameters().get("beta"));
    }

    /** This layer's parameters under their Hugging Face names, below {@code prefix} ({@code ...layer.N.}). */
    void collectWeights(String prefix, Map<String, Parameter> into) {
        collectLinear(prefix + BertNames.QUERY, query, into);
        collectLinear(prefix + BertNames.KEY, key, into);
        collectLinear(prefix + BertNames.VALUE, value, into);
        collectLinear(prefix + BertNames.ATTENTION_OUTPUT, attentionOutput, into);
        collectNorm(prefix + BertNames.ATTENTION_NORM, attentionNorm, into);
        collectLinear(prefix + BertNames.INTERMEDIATE, intermediate, into);
        collectLinear(prefix + BertNames.OUTPUT, output, into);
        collectNorm(prefix + BertNames.OUTPUT_NORM, outputNorm, into);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray hidden = inputs.get(0);
        NDArray maskBias = inputs.get(1);
        long batch = hidden.getShape().get(0);
        long length = hidden.getShape().get(1);
        NDArray q = heads(apply(query, store, hidden, training, params), batch, length);
        NDArray k = heads(apply(key, store, hidden, training, params), batch, length);
        NDArray v = heads(apply(value, store, hidden, training, params), batch, length);
        NDArray scores = Scalars.dividedBy(q.matMul(k.transpose(0, 1, 3, 2)), (float) Math.sqrt(headSize))
                .add(maskBias);
        NDArray probabilities = apply(attentionDropout, store, scores.softmax(3), training, params);
        NDArray context = probabilities.matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, (long) heads * headSize);
        NDArray attended = apply(attentionOutputDropout, store,
                apply(attentionOutput, store, context, training, params), training, params);
        hidden = apply(attentionNorm, store, attended.add(hidden), training, params);
        NDArray expanded = Activation.gelu(apply(intermediate, store, hidden, training, params));
        NDArray projected = apply(outputDropout, store, apply(output, store, expanded, training, params), training,
                params);
        return new NDList(apply(outputNorm, store, projected.add(hidden), training, params));
    }

    /** (B, S, H) -> (B, heads, S, head size). */
    private NDArray heads(NDArray states, long batch, long length) {
        return states.reshape(batch, length, heads, headSize).transpose(0, 2, 1, 3);
    }

    private static NDArray apply(AbstractBlock block, ParameterStore store, NDArray input, boolean training,
            PairList<String, Object> params) {
        return block.forward(store, new NDList(input), training, params).head();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = inputShapes[0];
        for (AbstractBlock block : new AbstractBlock[] {query, key, value, attentionOutputDropout, attentionNorm,
                intermediate, outputDropout, outputNorm}) {
            block.initialize(manager, dataType, hidden);
        }
        // the heads' outputs together: narrower than the hidden states once heads are pruned
        attentionOutput.initialize(manager, dataType, query.getOutputShapes(new Shape[] {hidden})[0]);
        attentionDropout.initialize(manager, dataType, new Shape(hidden.get(0), heads, hidden.get(1),
                hidden.get(1)));
        output.initialize(manager, dataType, intermediate.getOutputShapes(new Shape[] {hidden})[0]);
    }
}
