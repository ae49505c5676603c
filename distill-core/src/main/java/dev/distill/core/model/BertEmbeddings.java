package dev.distill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.distill.core.weights.BertNames;
import java.util.Map;

/**
 * BERT's input embeddings (Devlin et al. 2019), as Hugging Face {@code BertEmbeddings}: word + absolute position +
 * token type, then LayerNorm and dropout.
 *
 * <p>Inputs: {@code input_ids} and {@code token_type_ids}, (B, S) int64. Output: (B, S, H).
 */
final class BertEmbeddings extends AbstractBlock {
    private static final byte VERSION = 1;

    private final ModelConfig config;
    private final Parameter words;
    private final Parameter positions;
    private final Parameter tokenTypes;
    private final LayerNorm norm;
    private final Dropout dropout;

    BertEmbeddings(ModelConfig config) {
        super(VERSION);
        this.config = config;
        words = addParameter(table("word_embeddings", config.vocabSize(), config.hiddenSize()));
        positions = addParameter(table("position_embeddings", config.maxPositions(), config.hiddenSize()));
        tokenTypes = addParameter(table("token_type_embeddings", config.typeVocabSize(), config.hiddenSize()));
        norm = addChildBlock("LayerNorm", BertLayer.layerNorm());
        dropout = addChildBlock("dropout", BertLayer.dropout());
    }

    private static Parameter table(String name, int rows, int width) {
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(new Shape(rows, width))
                .build();
    }

    /** This block's parameters under their Hugging Face names. */
    void collectWeights(Map<String, Parameter> into) {
        into.put(BertNames.WORD_EMBEDDINGS, words);
        into.put(BertNames.POSITION_EMBEDDINGS, positions);
        into.put(BertNames.TOKEN_TYPE_EMBEDDINGS, tokenTypes);
        BertLayer.collectNorm(BertNames.EMBEDDINGS_NORM, norm, into);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray typeIds = inputs.get(1);
        long length = ids.getShape().get(1);
        if (length > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + length + " exceeds the model's "
                    + config.maxPositions() + " positions");
        }
        NDArray positionIds = ids.getManager().arange(0, (int) length, 1, DataType.INT64, ids.getDevice());
        NDArray embedded = lookup(store, words, ids, training)
                .add(lookup(store, positions, positionIds, training).expandDims(0))
                .add(lookup(store, tokenTypes, typeIds, training));
        embedded = norm.forward(store, new NDList(embedded), training, params).head();
        return dropout.forward(store, new NDList(embedded), training, params);
    }

    private static NDArray lookup(ParameterStore store, Parameter table, NDArray ids, boolean training) {
        return Embedding.embedding(ids, store.getValue(table, ids.getDevice(), training), SparseFormat.DENSE).head();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[] {new Shape(ids.get(0), ids.get(1), config.hiddenSize())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = getOutputShapes(inputShapes)[0];
        norm.initialize(manager, dataType, hidden);
        dropout.initialize(manager, dataType, hidden);
    }
}
