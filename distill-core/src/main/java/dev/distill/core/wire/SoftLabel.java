package dev.distill.core.wire;

/**
 * The teacher's output for one example.
 *
 * @param exampleId id of the {@link TextExample}
 * @param text      the text, so the soft-label log alone is enough to replay training
 * @param label     gold class index, {@code null} when unknown
 * @param logits    raw teacher logits (before temperature scaling), one per class; {@code null} without a teacher
 * @param hidden    only when asked for: the teacher's pooled hidden state of each layer in
 *                  {@link SoftLabelBatch#hiddenLayers()}, in that order; otherwise {@code null}
 */
public record SoftLabel(String exampleId, String text, Integer label, float[] logits, float[][] hidden) {

    /** A soft label without hidden states. */
    public SoftLabel(String exampleId, String text, Integer label, float[] logits) {
        this(exampleId, text, label, logits, null);
    }
}
