package dev.distill.core.wire;

import java.util.List;

/**
 * A micro-batch of teacher outputs: the unit label-service publishes and train-service trains on.
 *
 * @param batchId      unique id of this batch
 * @param teacherId    identity of the teacher (sha-256 of its parameters or exported file)
 * @param tokenizerId  identity of the tokenizer the teacher read the text with (sha-256 of its tokenizer.json)
 * @param temperature  temperature the teacher suggests for softening its logits
 * @param hiddenLayers teacher layers (1 = first encoder layer) whose pooled hidden states every label carries, for
 *                     intermediate-layer distillation; {@code null} when not asked for
 * @param labels       one entry per example, in input order
 * @param classes      the class names, in the order of the logits and gold label indices; {@code null} from
 *                     producers that do not name them (then classes are known by index only)
 */
public record SoftLabelBatch(String batchId, String teacherId, String tokenizerId, float temperature,
        int[] hiddenLayers, List<SoftLabel> labels, List<String> classes) {
    /** Teacher id of batches that carry gold labels only, no logits (supervised training without a teacher). */
    public static final String NO_TEACHER = "none";

    /** A batch that does not name its classes. */
    public SoftLabelBatch(String batchId, String teacherId, String tokenizerId, float temperature,
            int[] hiddenLayers, List<SoftLabel> labels) {
        this(batchId, teacherId, tokenizerId, temperature, hiddenLayers, labels, null);
    }

    /** A batch without hidden states that does not name its classes. */
    public SoftLabelBatch(String batchId, String teacherId, String tokenizerId, float temperature,
            List<SoftLabel> labels) {
        this(batchId, teacherId, tokenizerId, temperature, null, labels, null);
    }
}
