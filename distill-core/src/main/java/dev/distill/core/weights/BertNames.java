package dev.distill.core.weights;

import java.util.regex.Pattern;

/**
 * The names Hugging Face's {@code BertForSequenceClassification} gives its weights ({@code modeling_bert.py}: the
 * attribute path is the checkpoint name), the one vocabulary of checkpoints, exports, pruning and the pretrained
 * readers. A name within a layer follows {@link #layer}; a Linear's and a LayerNorm's end in {@link #WEIGHT} or
 * {@link #BIAS}.
 */
public final class BertNames {
    public static final String WEIGHT = "weight";
    public static final String BIAS = "bias";
    /** What {@code BertForSequenceClassification} puts before the names {@code BertModel} gives its weights. */
    public static final String ENCODER = "bert.";

    public static final String EMBEDDINGS = ENCODER + "embeddings.";
    public static final String WORD_EMBEDDINGS = EMBEDDINGS + "word_embeddings." + WEIGHT;
    public static final String POSITION_EMBEDDINGS = EMBEDDINGS + "position_embeddings." + WEIGHT;
    public static final String TOKEN_TYPE_EMBEDDINGS = EMBEDDINGS + "token_type_embeddings." + WEIGHT;
    public static final String EMBEDDINGS_NORM = EMBEDDINGS + "LayerNorm.";
    public static final String POOLER = ENCODER + "pooler.dense.";
    public static final String CLASSIFIER = "classifier.";

    /** Within a layer: the attention projections, its output and LayerNorm, and the feed-forward block. */
    public static final String QUERY = "attention.self.query.";
    public static final String KEY = "attention.self.key.";
    public static final String VALUE = "attention.self.value.";
    public static final String ATTENTION_OUTPUT = "attention.output.dense.";
    public static final String ATTENTION_NORM = "attention.output.LayerNorm.";
    public static final String INTERMEDIATE = "intermediate.dense.";
    public static final String OUTPUT = "output.dense.";
    public static final String OUTPUT_NORM = "output.LayerNorm.";

    private static final String LAYERS = ENCODER + "encoder.layer.";
    /** A layer's weight: group 1 the layer index, group 2 the name within the layer. */
    public static final Pattern LAYER_WEIGHT = Pattern.compile(Pattern.quote(LAYERS) + "(\\d+)\\.(.+)");

    private BertNames() {
    }

    /** The prefix of layer {@code index}'s weights ({@code bert.encoder.layer.N.}). */
    public static String layer(int index) {
        return LAYERS + index + ".";
    }
}
