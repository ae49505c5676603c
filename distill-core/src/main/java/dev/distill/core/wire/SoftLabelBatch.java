package dev.distill.core.wire;

import java.util.List;

/**
 * A micro-batch of teacher outputs: the unit label-service publishes and train-service trains on.
 *
 * @param batchId     unique id of this batch
 * @param teacherId   identity of the teacher (sha-256 of its parameters)
 * @param temperature temperature the teacher suggests for softening its logits
 * @param labels      one entry per example, in input order
 */
public record SoftLabelBatch(String batchId, String teacherId, float temperature, List<SoftLabel> labels) {
}
