package dev.distill.local;

import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;

/**
 * Students that keep at most a quarter of the teacher's non-embedding parameters (counted without the embeddings,
 * as TinyBERT and DistilBERT do): a chosen depth at the teacher's width, the feed-forward blocks narrowed in steps
 * of 32 neurons until the quarter fits (the pooler and classifier count too). Of bge-small's 12 layers, 3 keep a
 * feed-forward width of 1472 (24.8%) and 6 keep 352 (24.9%).
 */
public final class QuarterStudent {
    private static final int WIDTH_STEP = 32;

    private QuarterStudent() {
    }

    /** A quarter of the teacher's layers: the fastest student, the one-command run's default. */
    public static ModelConfig quarterDepth(ModelConfig teacher) {
        return withLayers(teacher, Math.max(1, teacher.layers() / 4));
    }

    /** Half of the teacher's layers with narrow feed-forward blocks: the quality bench's default, it keeps more. */
    public static ModelConfig halfDepth(ModelConfig teacher) {
        return withLayers(teacher, Math.max(1, teacher.layers() / 2));
    }

    /** {@code layers} of the teacher's width with the widest feed-forward blocks that fit a quarter. */
    public static ModelConfig withLayers(ModelConfig teacher, int layers) {
        long budget = nonEmbedding(teacher) / 4;
        for (int width = teacher.intermediateSize() / WIDTH_STEP * WIDTH_STEP; width > 0; width -= WIDTH_STEP) {
            ModelConfig student = teacher.withLayers(layers).withIntermediateSize(width);
            if (nonEmbedding(student) <= budget) {
                return student;
            }
        }
        throw new IllegalArgumentException(layers + " layers of a " + teacher.layers() + "-layer teacher keep more "
                + "than a quarter of its non-embedding parameters at any feed-forward width: choose fewer layers");
    }

    private static long nonEmbedding(ModelConfig model) {
        return new BertClassifier(model).parameterCount().nonEmbedding();
    }
}
