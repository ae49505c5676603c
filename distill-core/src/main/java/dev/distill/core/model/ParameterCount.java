package dev.distill.core.model;

/**
 * Parameters of a model.
 *
 * @param total        every parameter
 * @param nonEmbedding all but the token and position embedding tables: the compute-bearing part that distillation
 *                     papers compare (DistilBERT, TinyBERT)
 */
public record ParameterCount(long total, long nonEmbedding) {
}
