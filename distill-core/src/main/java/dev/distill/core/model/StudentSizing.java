package dev.distill.core.model;

/**
 * Student sizes by parameter budget, counted without the embeddings (as TinyBERT and DistilBERT count them; the
 * pooler and classifier count): a student of a chosen depth at its teacher's width keeps at most a quarter of the
 * teacher, its feed-forward blocks narrowed in steps of {@link #WIDTH_STEP} neurons until it fits (of bge-small's 12
 * layers, 3 keep a feed-forward width of 1472, 24.8%, and 6 keep 352, 24.9%); a pruned student keeps at most half of
 * the student it was cut from.
 */
public final class StudentSizing {
    /** Feed-forward widths a quarter-size student is tried at: multiples of 32, which matrix kernels like. */
    static final int WIDTH_STEP = 32;

    private StudentSizing() {
    }

    /** A quarter of the teacher's layers: the fastest student, the one-command run's default. */
    public static ModelConfig quarterDepth(ModelConfig teacher) {
        return quarterOf(teacher, Math.max(1, teacher.layers() / 4));
    }

    /** Half of the teacher's layers with narrow feed-forward blocks: the quality bench's default, it keeps more. */
    public static ModelConfig halfDepth(ModelConfig teacher) {
        return quarterOf(teacher, Math.max(1, teacher.layers() / 2));
    }

    /**
     * {@code layers} of the teacher's width with the widest feed-forward blocks that keep at most a quarter of the
     * teacher's parameters.
     *
     * @throws IllegalArgumentException if no width is narrow enough
     */
    public static ModelConfig quarterOf(ModelConfig teacher, int layers) {
        ModelConfig shape = teacher.withLayers(layers);
        int width = widestFeedForward(shape, nonEmbedding(teacher) / 4, teacher.intermediateSize() / WIDTH_STEP
                * WIDTH_STEP, WIDTH_STEP);
        if (width == 0) {
            throw new IllegalArgumentException(layers + " layers of a " + teacher.layers() + "-layer teacher keep "
                    + "more than a quarter of its non-embedding parameters at any feed-forward width: choose fewer "
                    + "layers");
        }
        return shape.withIntermediateSize(width);
    }

    /**
     * The widest feed-forward block that, with {@code heads} heads per layer, keeps at most half of the student's
     * parameters: the default of structured pruning.
     *
     * @throws IllegalArgumentException if no width is narrow enough
     */
    public static int halfAfterPruning(ModelConfig student, int heads) {
        int width = widestFeedForward(student.withHeads(heads), nonEmbedding(student) / 2, student.intermediateSize(),
                1);
        if (width == 0) {
            throw new IllegalArgumentException(heads + " heads per layer keep more than half of the student's "
                    + "non-embedding parameters whatever the feed-forward width: prune more heads");
        }
        return width;
    }

    /** The widest feed-forward width, from {@code widest} down in {@code step}s, within the budget; 0 if none is. */
    private static int widestFeedForward(ModelConfig shape, long budget, int widest, int step) {
        for (int width = widest; width > 0; width -= step) {
            if (nonEmbedding(shape.withIntermediateSize(width)) <= budget) {
                return width;
            }
        }
        return 0;
    }

    private static long nonEmbedding(ModelConfig model) {
        return new BertClassifier(model).parameterCount().nonEmbedding();
    }
}
