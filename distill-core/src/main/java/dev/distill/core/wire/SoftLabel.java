package dev.distill.core.wire;

/**
 * The teacher's output for one example.
 *
 * @param exampleId id of the {@link TextExample}
 * @param text      the text, so the soft-label log alone is enough to replay training
 * @param label     gold class index, {@code null} when unknown
 * @param logits    raw teacher logits (before temperature scaling), one per class
 */
public record SoftLabel(String exampleId, String text, Integer label, float[] logits) {
}
