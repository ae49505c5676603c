package dev.distill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.distill.core.weights.BertNames;
import dev.distill.core.weights.FeedForwardNarrowing;
import dev.distill.core.weights.WeightTransfer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * A BERT text classifier with the architecture and weight layout of Hugging Face
 * {@code BertForSequenceClassification}: {@link BertEmbeddings}, {@link ModelConfig#layers()} {@link BertLayer}s,
 * the pooler (dense + tanh on the [CLS] token) and a linear classifier on the pooled vector, dropout 0.1 before it.
 * {@link #weights()} names every parameter as Hugging Face does, which is how pretrained weights come in, checkpoints
 * and exports go out, and students take teacher layers.
 *
 * <p>Inputs: {@code input_ids}, {@code attention_mask} and optionally {@code token_type_ids} (zeros when absent),
 * (B, S) int64. Outputs: logits (B, classes), then the masked mean over tokens of every encoder layer's output
 * (B, hidden), layer 1 first, for intermediate-layer distillation.
 */
public final class BertClassifier extends AbstractBlock {
    private static final byte VERSION = 1;

    private final ModelConfig config;
    private final BertEmbeddings embeddings;
    private final List<BertLayer> layers = new ArrayList<>();
    private final Linear pooler;
    private final Dropout classifierDropout;
    private final Linear classifier;

    public BertClassifier(ModelConfig config) {
        super(VERSION);
        this.config = config;
        embeddings = addChildBlock("embeddings", new BertEmbeddings(config));
        for (int i = 0; i < config.layers(); i++) {
            layers.add(addChildBlock("layer" + i, new BertLayer(config)));
        }
        pooler = addChildBlock("pooler", BertLayer.linear(config.hiddenSize()));
        classifierDropout = addChildBlock("classifierDropout", BertLayer.dropout());
        classifier = addChildBlock("classifier", BertLayer.linear(config.numClasses()));
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Every parameter under its Hugging Face {@code BertForSequenceClassification} name ({@code
     * bert.embeddings.word_embeddings.weight}, {@code bert.encoder.layer.0.attention.self.query.weight}, ...,
     * {@code classifier.bias}), in that model's order. Linear weights are [out, in] as in PyTorch.
     */
    public Map<String, Parameter> weights() {
        Map<String, Parameter> weights = new LinkedHashMap<>();
        embeddings.collectWeights(weights);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).collectWeights(BertNames.layer(i), weights);
        }
        BertLayer.collectLinear(BertNames.POOLER, pooler, weights);
        BertLayer.collectLinear(BertNames.CLASSIFIER, classifier, weights);
        return Collections.unmodifiableMap(weights);
    }

    /**
     * Starts this model from another's weights (DistilBERT's initialisation, Sanh et al. 2019): the embeddings and
     * the pooler, and source layer {@code i * stride} as layer {@code i}; the classifier too when the source has one
     * for the same labels. The source may be a teacher checkpoint or a pretrained encoder of the same width and heads;
     * a longer position table gives its first rows, and a wider feed-forward block its most important neurons
     * ({@link FeedForwardNarrowing}). This block must be initialised.
     *
     * @param source       the source's weights under Hugging Face names
     * @param sourceConfig the source's size
     * @param origin       what the weights come from, for messages
     * @return the parameters that kept their initial values (those the source has none for)
     */
    public List<String> initializeFrom(Map<String, NDArray> source, ModelConfig sourceConfig, int stride,
            String origin) {
        if (sourceConfig.hiddenSize() != config.hiddenSize() || sourceConfig.heads() != config.heads()
                || sourceConfig.attentionHeadSize() != config.attentionHeadSize()
                || sourceConfig.intermediateSize() < config.intermediateSize()
                || sourceConfig.vocabSize() != config.vocabSize() || sourceConfig.maxPositions() < config.maxPositions()
                || sourceConfig.typeVocabSize() != config.typeVocabSize()) {
            throw new IllegalArgumentException("cannot initialise " + config + " from " + origin + " "
                    + sourceConfig + ": width, heads, vocabulary and token types must match, and the source needs "
                    + "at least as many positions and feed-forward neurons");
        }
        if (stride < 1 || (long) (config.layers() - 1) * stride >= sourceConfig.layers()) {
            throw new IllegalArgumentException("layer stride " + stride + " maps the " + config.layers()
                    + " layers beyond the " + sourceConfig.layers() + " of " + origin);
        }
        boolean sameLabels = sourceConfig.labels().equals(config.labels());
        FeedForwardNarrowing narrowing = sourceConfig.intermediateSize() > config.intermediateSize()
                ? new FeedForwardNarrowing(source, config.intermediateSize()) : null;
        return WeightTransfer.initialize(weights(), name -> {
            Matcher layer = BertNames.LAYER_WEIGHT.matcher(name);
            if (layer.matches()) {
                String sourceLayer = BertNames.layer(Integer.parseInt(layer.group(1)) * stride);
                return narrowing != null && FeedForwardNarrowing.narrows(layer.group(2))
                        ? narrowing.weight(sourceLayer, layer.group(2)) : source.get(sourceLayer + layer.group(2));
            }
            return name.startsWith(BertNames.CLASSIFIER) && !sameLabels ? null : source.get(name);
        }, origin);
    }

    /** Parameter counts, from the configuration (the block need not be initialised). */
    public ParameterCount parameterCount() {
        long hidden = config.hiddenSize();
        long attention = config.attentionWidth();
        long intermediate = config.intermediateSize();
        long embeddingTables = (long) (config.vocabSize() + config.maxPositions() + config.typeVocabSize()) * hidden;
        long perLayer = 3 * (hidden * attention + attention) + (attention * hidden + hidden) // query, key, value, out
                + (hidden * intermediate + intermediate) + (intermediate * hidden + hidden) // feed-forward
                + 2 * 2 * hidden;                                                         // two LayerNorms
        long nonEmbedding = 2 * hidden                                                    // embedding LayerNorm
                + config.layers() * perLayer
                + hidden * hidden + hidden                                                // pooler
                + hidden * config.numClasses() + config.numClasses();                     // classifier
        return new ParameterCount(embeddingTables + nonEmbedding, nonEmbedding);
    }

    /** Input shapes for initialising a model on a batch of the given size and length. */
    public static Shape[] inputShapes(int batchSize, int length) {
        return new Shape[] {new Shape(batchSize, length), new Shape(batchSize, length), new Shape(batchSize, length)};
    }

    /**
     * The embedding output and every layer's output, (B, S, H) each: what Hugging Face {@code BertModel} returns as
     * {@code hidden_states} (its {@code last_hidden_state} is the last entry).
     */
    public NDList hiddenStates(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.get(1);
        NDArray typeIds = inputs.size() > 2 ? inputs.get(2) : ids.zerosLike();
        NDArray maskBias = mask.toType(DataType.FLOAT32, false).neg().add(1f).mul(ModelConfig.MASKED_SCORE)
                .expandDims(1).expandDims(1);
        NDList states = new NDList(layers.size() + 1);
        NDArray hidden = embeddings.forward(store, new NDList(ids, typeIds), training, params).head();
        states.add(hidden);
        for (BertLayer layer : layers) {
            hidden = layer.forward(store, new NDList(hidden, maskBias), training, params).head();
            states.add(hidden);
        }
        return states;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList states = hiddenStates(store, inputs, training, params);
        NDArray last = states.get(layers.size());
        NDArray cls = last.get(":, 0, :");
        NDArray pooled = pooler.forward(store, new NDList(cls), training, params).head().tanh();
        pooled = classifierDropout.forward(store, new NDList(pooled), training, params).head();
        NDList outputs = new NDList(1 + layers.size());
        outputs.add(classifier.forward(store, new NDList(pooled), training, params).head());
        NDArray weights = inputs.get(1).toType(DataType.FLOAT32, false).expandDims(2);
        NDArray realTokens = weights.sum(new int[] {1}).maximum(1f);
        for (int i = 1; i <= layers.size(); i++) {
            outputs.add(states.get(i).mul(weights).sum(new int[] {1}).div(realTokens));
        }
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
        embeddings.initialize(manager, dataType, ids, ids);
        Shape hidden = new Shape(ids.get(0), ids.get(1), config.hiddenSize());
        Shape maskBias = new Shape(ids.get(0), 1, 1, ids.get(1));
        for (BertLayer layer : layers) {
            layer.initialize(manager, dataType, hidden, maskBias);
        }
        Shape pooled = new Shape(ids.get(0), config.hiddenSize());
        pooler.initialize(manager, dataType, pooled);
        classifierDropout.initialize(manager, dataType, pooled);
        classifier.initialize(manager, dataType, pooled);
    }
}
