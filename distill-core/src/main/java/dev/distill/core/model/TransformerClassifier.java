package dev.distill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * Transformer-encoder text classifier: token + learned position embeddings, {@link ModelConfig#layers()} BERT-style
 * encoder layers, masked mean pooling over real tokens, and a linear classification head.
 *
 * <p>Mean pooling instead of BERT's [CLS] vector: small students trained from scratch on a stream learn faster from
 * it, and it needs no pre-training to be meaningful.
 *
 * <p>Inputs: {@code input_ids} (B, S) int64 and {@code attention_mask} (B, S) int64. Outputs: logits (B, classes),
 * then the pooled output of every encoder layer (B, hidden), layer 1 first, for intermediate-layer distillation.
 */
public final class TransformerClassifier extends AbstractBlock {
    private static final byte VERSION = 1;
    /** Dropout used while training; inference never drops. */
    public static final float DROPOUT = 0.1f;

    private final ModelConfig config;
    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding;
    private final LayerNorm embeddingNorm;
    private final Dropout embeddingDropout;
    private final List<EncoderLayer> layers = new ArrayList<>();
    private final Linear classifier;

    public TransformerClassifier(ModelConfig config) {
        super(VERSION);
        this.config = config;
        tokenEmbedding = addParameter(Parameter.builder()
                .setName("tokenEmbedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.vocabSize(), config.hiddenSize()))
                .build());
        positionEmbedding = addParameter(Parameter.builder()
                .setName("positionEmbedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.maxLength(), config.hiddenSize()))
                .build());
        embeddingNorm = addChildBlock("embeddingNorm", LayerNorm.builder().axis(2).build());
        embeddingDropout = addChildBlock("embeddingDropout", Dropout.builder().optRate(DROPOUT).build());
        for (int i = 0; i < config.layers(); i++) {
            layers.add(addChildBlock("layer" + i, new EncoderLayer(config, DROPOUT)));
        }
        classifier = addChildBlock("classifier", Linear.builder().setUnits(config.numClasses()).build());
    }

    public ModelConfig config() {
        return config;
    }

    /** Parameter counts, from the configuration (the block need not be initialised). */
    public ParameterCount parameterCount() {
        long embeddings = (long) (config.vocabSize() + config.maxLength()) * config.hiddenSize();
        long hidden = config.hiddenSize();
        long intermediate = config.intermediateSize();
        long perLayer = 4 * (hidden * hidden + hidden)                        // query, key, value, output
                + (hidden * intermediate + intermediate) + (intermediate * hidden + hidden) // feed-forward
                + 2 * 2 * hidden;                                             // two LayerNorms
        long nonEmbedding = 2 * hidden                                        // embedding LayerNorm
                + config.layers() * perLayer
                + hidden * config.numClasses() + config.numClasses();         // classifier
        return new ParameterCount(embeddings + nonEmbedding, nonEmbedding);
    }

    /**
     * DistilBERT's initialisation (Sanh et al. 2019): copies the teacher's embeddings and classification head, and
     * teacher layer {@code i * stride} into student layer {@code i}. Both must be initialised and share every size
     * but the number of layers.
     */
    public void initializeFrom(TransformerClassifier teacher, int stride) {
        ModelConfig from = teacher.config;
        if (from.vocabSize() != config.vocabSize() || from.hiddenSize() != config.hiddenSize()
                || from.heads() != config.heads() || from.maxLength() != config.maxLength()
                || from.numClasses() != config.numClasses()) {
            throw new IllegalArgumentException("cannot initialise student " + config + " from teacher " + from
                    + ": all sizes but the number of layers must match");
        }
        if (stride < 1 || (long) (config.layers() - 1) * stride >= from.layers()) {
            throw new IllegalArgumentException("layer stride " + stride + " maps the student's " + config.layers()
                    + " layers beyond the teacher's " + from.layers());
        }
        copy(teacher.tokenEmbedding, tokenEmbedding);
        copy(teacher.positionEmbedding, positionEmbedding);
        copyAll(teacher.embeddingNorm, embeddingNorm);
        copyAll(teacher.classifier, classifier);
        for (int i = 0; i < layers.size(); i++) {
            copyAll(teacher.layers.get(i * stride), layers.get(i));
        }
    }

    private static void copyAll(Block from, Block to) {
        List<Parameter> source = from.getParameters().values();
        List<Parameter> target = to.getParameters().values();
        for (int i = 0; i < target.size(); i++) {
            copy(source.get(i), target.get(i));
        }
    }

    private static void copy(Parameter from, Parameter to) {
        NDArray source = from.getArray();
        NDArray target = to.getArray();
        if (!source.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("parameter " + to.getName() + " has shape " + target.getShape()
                    + " but the teacher's has " + source.getShape());
        }
        target.set(source.toFloatArray());
    }

    /** Input shapes for initialising a model on a batch of the given size and length. */
    public static Shape[] inputShapes(int batchSize, int length) {
        return new Shape[] {new Shape(batchSize, length), new Shape(batchSize, length)};
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.get(1);
        long batch = ids.getShape().get(0);
        long length = ids.getShape().get(1);
        if (length > config.maxLength()) {
            throw new IllegalArgumentException("sequence length " + length + " exceeds the model's maxLength "
                    + config.maxLength());
        }
        NDArray tokens = Embedding.embedding(ids,
                store.getValue(tokenEmbedding, ids.getDevice(), training), SparseFormat.DENSE).head();
        NDArray positionIds = ids.getManager().arange(0, (int) length, 1, DataType.INT64, ids.getDevice());
        NDArray positions = Embedding.embedding(positionIds,
                store.getValue(positionEmbedding, ids.getDevice(), training), SparseFormat.DENSE).head();
        NDArray hidden = tokens.add(positions.expandDims(0));
        hidden = embeddingNorm.forward(store, new NDList(hidden), training, params).head();
        hidden = embeddingDropout.forward(store, new NDList(hidden), training, params).head();
        NDArray attentionMask = mask.expandDims(1).broadcast(batch, length, length);
        NDArray weights = mask.toType(DataType.FLOAT32, false).expandDims(2);
        NDArray realTokens = weights.sum(new int[] {1}).maximum(1f);
        NDList pooledLayers = new NDList(layers.size());
        for (EncoderLayer layer : layers) {
            hidden = layer.forward(store, new NDList(hidden, attentionMask), training, params).head();
            pooledLayers.add(hidden.mul(weights).sum(new int[] {1}).div(realTokens));
        }
        NDList outputs = new NDList(1 + layers.size());
        outputs.add(classifier.forward(store, new NDList(pooledLayers.get(layers.size() - 1)), training, params)
                .head());
        outputs.addAll(pooledLayers);
        return outputs;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        Shape[] shapes = new Shape[1 + layers.size()];
        shapes[0] = new Shape(batch, config.numClasses());
        for (int i = 1; i < shapes.length; i++) {
            shapes[i] = new Shape(batch, config.hiddenSize());
        }
        return shapes;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape ids = inputShapes[0];
        Shape hidden = new Shape(ids.get(0), ids.get(1), config.hiddenSize());
        Shape mask = new Shape(ids.get(0), ids.get(1), ids.get(1));
        embeddingNorm.initialize(manager, dataType, hidden);
        embeddingDropout.initialize(manager, dataType, hidden);
        for (EncoderLayer layer : layers) {
            layer.initialize(manager, dataType, hidden, mask);
        }
        classifier.initialize(manager, dataType, new Shape(ids.get(0), config.hiddenSize()));
    }
}
