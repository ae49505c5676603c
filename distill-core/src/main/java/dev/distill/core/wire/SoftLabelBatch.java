package dev.distill.core.wire;

import java.util.List;

/**
 * A micro-batch of teacher outputs: the unit label-service publishes and train-service trains on.
 *
 * @param batchId      unique id of this batch
 * @param teacherId    identity of the teacher (sha-256 of its parameters or TorchScript file)
 * @param tokenizerId  identity of the tokenizer the teacher read the text with (sha-256 of its tokenizer.json)
 * @param temperature  temperature the teacher suggests for softening its logits
 * @param hiddenLayers teacher layers (1 = first encoder layer) whose pooled hidden states every label carries, for
 *                     intermediate-layer distillation; {@code null} when not asked for
 * @param labels       one entry per example, in input order
 */
public record SoftLabelBatch(String batchId, String teacherId, String tokenizerId, float temperature,
        int[] hiddenLayers, List<SoftLabel> labels) {
    /** Teacher id of batches that carry gold labels only, no logits (supervised training without a teacher). */
    public static final String NO_TEACHER = "none";

    /** A batch without hidden states. */
    public SoftLabelBatch(String batchId, String teacherId, String tokenizerId, float temperature,
            List<SoftLabel> labels) {
        this(batchId, teacherId, tokenizerId, temperature, null, labels);
    }
}
