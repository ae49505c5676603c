package dev.distill.core.model;

import dev.distill.core.data.LabelSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Size and label set of a {@link BertClassifier}, the fields of a Hugging Face BERT {@code config.json}.
 *
 * @param vocabSize        number of token ids (30,522 for BERT uncased WordPiece)
 * @param hiddenSize       width of every layer
 * @param layers           number of encoder layers
 * @param heads            attention heads per layer (fewer than {@code hiddenSize / attentionHeadSize} once pruned)
 * @param intermediateSize width of the feed-forward layers (four times the hidden size in BERT)
 * @param maxPositions     rows of the position table (512 for pretrained BERT models)
 * @param typeVocabSize    rows of the token-type table (2 in BERT)
 * @param maxLength        longest sequence the model reads, special tokens included; at most {@code maxPositions}
 * @param labels           class names, index = class id ({@code id2label})
 * @param attentionHeadSize width of one attention head: {@code hiddenSize / heads} as BERT has it (0 means that),
 *                         kept when heads are pruned away ({@code StructuredPruning})
 */
public record ModelConfig(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize,
        int maxPositions, int typeVocabSize, int maxLength, List<String> labels, int attentionHeadSize) {
    /** Dropout of hidden states and attention probabilities while training, as BERT's; inference never drops. */
    public static final float DROPOUT = 0.1f;
    /** LayerNorm epsilon, as BERT's. */
    public static final float LAYER_NORM_EPSILON = 1e-12f;
    /** Added to the attention scores of padding (BERT's extended attention mask): softmax gives it no weight. */
    public static final float MASKED_SCORE = -10000f;

    public ModelConfig {
        if (attentionHeadSize == 0 && heads > 0) {
            require(hiddenSize % heads == 0, "heads must divide hiddenSize " + hiddenSize + ", got " + heads);
            attentionHeadSize = hiddenSize / heads;
        }
        require(vocabSize > 0, "vocabSize must be positive, got " + vocabSize);
        require(hiddenSize > 0, "hiddenSize must be positive, got " + hiddenSize);
        require(layers > 0, "layers must be positive, got " + layers);
        require(heads > 0, "heads must be positive, got " + heads);
        require(attentionHeadSize > 0, "attentionHeadSize must be positive, got " + attentionHeadSize);
        require(intermediateSize > 0, "intermediateSize must be positive, got " + intermediateSize);
        require(typeVocabSize > 0, "typeVocabSize must be positive, got " + typeVocabSize);
        require(maxLength > 1 && maxLength <= maxPositions,
                "maxLength must be at least 2 and at most maxPositions " + maxPositions + ", got " + maxLength);
        require(labels != null && labels.size() > 1, "at least 2 labels are needed, got " + labels);
        require(new HashSet<>(labels).size() == labels.size() && labels.stream().noneMatch(String::isBlank),
                "labels must be distinct and not blank, got " + labels);
        labels = List.copyOf(labels);
    }

    /** A model whose heads split the hidden width between them, as in BERT (no heads pruned). */
    public ModelConfig(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize, int maxPositions,
            int typeVocabSize, int maxLength, List<String> labels) {
        this(vocabSize, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize, maxLength, labels, 0);
    }

    /**
     * A BERT-shaped model of {@code numClasses} classes named {@code 0..n-1}: feed-forward four times the hidden
     * width, as many positions as {@code maxLength}, two token types.
     */
    public ModelConfig(int vocabSize, int hiddenSize, int layers, int heads, int maxLength, int numClasses) {
        this(vocabSize, hiddenSize, layers, heads, 4 * hiddenSize, maxLength, 2, maxLength,
                numberedLabels(numClasses));
    }

    /** Labels {@code "0", "1", ...}: the names of classes known by index only. */
    public static List<String> numberedLabels(int numClasses) {
        require(numClasses > 1, "numClasses must be at least 2, got " + numClasses);
        return LabelSet.numbered(numClasses).names();
    }

    public int numClasses() {
        return labels.size();
    }

    /** Class names by id as Hugging Face's {@code id2label} has them: {@code {"0": "negative", ...}}. */
    public Map<String, String> id2label() {
        Map<String, String> names = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            names.put(String.valueOf(i), labels.get(i));
        }
        return names;
    }

    /** The same model with another number of layers. */
    public ModelConfig withLayers(int count) {
        return new ModelConfig(vocabSize, hiddenSize, count, heads, intermediateSize, maxPositions, typeVocabSize,
                maxLength, labels, attentionHeadSize);
    }

    /** The same model with another label set (another classifier head). */
    public ModelConfig withLabels(List<String> names) {
        return new ModelConfig(vocabSize, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize,
                maxLength, names, attentionHeadSize);
    }

    /** The same model with {@code size} feed-forward neurons per layer. */
    public ModelConfig withIntermediateSize(int size) {
        return new ModelConfig(vocabSize, hiddenSize, layers, heads, size, maxPositions, typeVocabSize, maxLength,
                labels, attentionHeadSize);
    }

    /** The same model reading at most {@code length} tokens. */
    public ModelConfig withMaxLength(int length) {
        return new ModelConfig(vocabSize, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize,
                length, labels, attentionHeadSize);
    }

    /** The same model with {@code count} attention heads per layer, each as wide as before. */
    public ModelConfig withHeads(int count) {
        return new ModelConfig(vocabSize, hiddenSize, layers, count, intermediateSize, maxPositions, typeVocabSize,
                maxLength, labels, attentionHeadSize);
    }

    /** Width of all heads of a layer together: the hidden size unless heads were pruned. */
    public int attentionWidth() {
        return heads * attentionHeadSize;
    }

    /** Whether heads were pruned away: fewer heads than the hidden width has room for. */
    public boolean headsPruned() {
        return attentionWidth() != hiddenSize;
    }

    /**
     * As a record prints itself, with the head size only where heads were pruned: sizes name cached results
     * (bench/quality), and an unpruned model keeps its name.
     */
    @Override
    public String toString() {
        return "ModelConfig[vocabSize=" + vocabSize + ", hiddenSize=" + hiddenSize + ", layers=" + layers + ", heads="
                + heads + ", intermediateSize=" + intermediateSize + ", maxPositions=" + maxPositions
                + ", typeVocabSize=" + typeVocabSize + ", maxLength=" + maxLength + ", labels=" + labels
                + (headsPruned() ? ", attentionHeadSize=" + attentionHeadSize : "") + "]";
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid model config: " + message);
        }
    }
}
