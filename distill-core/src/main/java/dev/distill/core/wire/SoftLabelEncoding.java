package dev.distill.core.wire;

/**
 * How a {@link SoftLabelBatch} travels on {@link Topics#SOFT_LABELS}. Readers detect the encoding of each record, so
 * producers may change it at any time.
 */
public enum SoftLabelEncoding {
    /** UTF-8 JSON, as {@link WireCodec}: readable, about ten bytes per logit. */
    JSON,
    /** Binary, logits and hidden states as 32-bit floats: lossless. */
    FP32,
    /** Binary, logits and hidden states as 16-bit floats: half the size of FP32, relative error below 0.05%. */
    FP16,
    /**
     * Binary, for large label spaces: the k largest logits as 16-bit floats with their class indices, and one value
     * for all other classes, chosen so that they keep their total probability mass at temperature 1.
     */
    TOP_K
}
