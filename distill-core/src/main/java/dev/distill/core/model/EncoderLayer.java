package dev.distill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One post-LayerNorm transformer encoder layer as in BERT (Devlin et al. 2019): self-attention and a GELU
 * feed-forward network, each wrapped in dropout, a residual connection and LayerNorm. Built from DJL blocks because
 * DJL's own {@code TransformerEncoderBlock} normalises with BatchNorm.
 *
 * <p>Inputs: hidden states (B, S, H) and attention mask (B, S, S) with 1 where attention is allowed.
 */
final class EncoderLayer extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int hiddenSize;
    private final ScaledDotProductAttentionBlock attention;
    private final Dropout attentionDropout;
    private final LayerNorm attentionNorm;
    private final Linear feedForwardIn;
    private final Linear feedForwardOut;
    private final Dropout feedForwardDropout;
    private final LayerNorm outputNorm;

    EncoderLayer(ModelConfig config, float dropout) {
        super(VERSION);
        this.hiddenSize = config.hiddenSize();
        attention = addChildBlock("attention", ScaledDotProductAttentionBlock.builder()
                .setEmbeddingSize(config.hiddenSize())
                .setHeadCount(config.heads())
                .optAttentionProbsDropoutProb(dropout)
                .build());
        attentionDropout = addChildBlock("attentionDropout", Dropout.builder().optRate(dropout).build());
        attentionNorm = addChildBlock("attentionNorm", LayerNorm.builder().axis(2).build());
        feedForwardIn = addChildBlock("feedForwardIn", Linear.builder().setUnits(config.intermediateSize()).build());
        feedForwardOut = addChildBlock("feedForwardOut", Linear.builder().setUnits(config.hiddenSize()).build());
        feedForwardDropout = addChildBlock("feedForwardDropout", Dropout.builder().optRate(dropout).build());
        outputNorm = addChildBlock("outputNorm", LayerNorm.builder().axis(2).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray hidden = inputs.get(0);
        NDArray mask = inputs.get(1);
        NDArray attended = attention.forward(store, new NDList(hidden, mask), training, params).head();
        attended = attentionDropout.forward(store, new NDList(attended), training, params).head();
        hidden = attentionNorm.forward(store, new NDList(hidden.add(attended)), training, params).head();
        NDArray expanded = Activation.gelu(feedForwardIn.forward(store, new NDList(hidden), training, params).head());
        NDArray projected = feedForwardOut.forward(store, new NDList(expanded), training, params).head();
        projected = feedForwardDropout.forward(store, new NDList(projected), training, params).head();
        return new NDList(outputNorm.forward(store, new NDList(hidden.add(projected)), training, params).head());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = inputShapes[0];
        attention.initialize(manager, dataType, hidden, inputShapes[1]);
        attentionDropout.initialize(manager, dataType, hidden);
        attentionNorm.initialize(manager, dataType, hidden);
        feedForwardIn.initialize(manager, dataType, hidden);
        Shape expanded = new Shape(hidden.get(0), hidden.get(1), 4L * hiddenSize);
        feedForwardOut.initialize(manager, dataType, expanded);
        feedForwardDropout.initialize(manager, dataType, hidden);
        outputNorm.initialize(manager, dataType, hidden);
    }
}
