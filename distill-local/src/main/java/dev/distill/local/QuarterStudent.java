package dev.distill.local;

import dev.distill.core.model.ModelConfig;

/**
 * The default student: a quarter of the teacher's layers at its width, the feed-forward blocks a 24th narrower so
 * that the pooler and classifier fit in too and the student keeps at most a quarter of the teacher's non-embedding
 * parameters (3 of bge-small's 12 layers at the full 1536 would be 25.5%; at 1472 they are 24.8%).
 */
public final class QuarterStudent {
    private QuarterStudent() {
    }

    public static ModelConfig of(ModelConfig teacher) {
        return teacher.withLayers(Math.max(1, teacher.layers() / 4))
                .withIntermediateSize(teacher.intermediateSize() * 23 / 24);
    }
}
