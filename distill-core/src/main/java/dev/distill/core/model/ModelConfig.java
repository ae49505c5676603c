package dev.distill.core.model;

/**
 * Size of a {@link TransformerClassifier}.
 *
 * @param vocabSize    number of token ids (30,522 for BERT uncased WordPiece)
 * @param hiddenSize   width of every layer; must be divisible by {@code heads}
 * @param layers       number of encoder layers
 * @param heads        attention heads per layer
 * @param maxLength    longest sequence (special tokens included) the position table covers
 * @param numClasses   number of output classes
 */
public record ModelConfig(int vocabSize, int hiddenSize, int layers, int heads, int maxLength, int numClasses) {
    public ModelConfig {
        require(vocabSize > 0, "vocabSize must be positive, got " + vocabSize);
        require(hiddenSize > 0, "hiddenSize must be positive, got " + hiddenSize);
        require(layers > 0, "layers must be positive, got " + layers);
        require(heads > 0 && hiddenSize % heads == 0,
                "heads must be positive and divide hiddenSize " + hiddenSize + ", got " + heads);
        require(maxLength > 1, "maxLength must be at least 2, got " + maxLength);
        require(numClasses > 1, "numClasses must be at least 2, got " + numClasses);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid model config: " + message);
        }
    }

    /** Feed-forward width, four times the hidden size as in BERT. */
    public int intermediateSize() {
        return 4 * hiddenSize;
    }
}
