package dev.distill.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StudentSizingTest {
    /** bge-small's shape (12 x 384, 1536 feed-forward, 512 positions) with a two-class head. */
    private static final ModelConfig BGE_SMALL = new ModelConfig(30522, 384, 12, 12, 1536, 512, 2, 64,
            List.of("negative", "positive"));

    @Test
    void aQuarterOfTheLayersNarrowsTheFeedForwardBlocksJustEnough() {
        ModelConfig student = StudentSizing.quarterDepth(BGE_SMALL);

        assertEquals(3, student.layers());
        assertEquals(1472, student.intermediateSize());
        assertEquals(BGE_SMALL.hiddenSize(), student.hiddenSize());
        assertEquals(BGE_SMALL.labels(), student.labels());
        double share = share(student);
        assertTrue(share <= 0.25 && share > 0.24, "share " + share);
        assertTrue(share(student.withIntermediateSize(1504)) > 0.25, "32 neurons wider would not fit");
    }

    @Test
    void halfTheLayersKeepNarrowFeedForwardBlocks() {
        ModelConfig student = StudentSizing.halfDepth(BGE_SMALL);

        assertEquals(6, student.layers());
        assertEquals(352, student.intermediateSize());
        assertTrue(share(student) <= 0.25 && share(student.withIntermediateSize(384)) > 0.25, "" + share(student));
    }

    @Test
    void tooManyLayersForAQuarterAreRefusedWithAReason() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> StudentSizing.quarterOf(BGE_SMALL, 12));
        assertTrue(refused.getMessage().contains("choose fewer layers"), refused.getMessage());
    }

    /** Pruning to 6 of bge-small's 12 heads keeps the widest feed-forward block within half its parameters. */
    @Test
    void pruningKeepsTheWidestFeedForwardBlockWithinHalf() {
        int width = StudentSizing.halfAfterPruning(BGE_SMALL, 6);
        ModelConfig pruned = BGE_SMALL.withHeads(6).withIntermediateSize(width);
        assertTrue(share(pruned) <= 0.5 && share(pruned.withIntermediateSize(width + 1)) > 0.5, "" + share(pruned));
        // attention holds most of this one: keeping every head keeps more than half at any width
        ModelConfig attentionHeavy = new ModelConfig(30522, 64, 1, 4, 8, 64, 2, 64, List.of("a", "b"));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> StudentSizing.halfAfterPruning(attentionHeavy, 4));
        assertTrue(refused.getMessage().contains("prune more heads"), refused.getMessage());
    }

    private static double share(ModelConfig student) {
        return (double) new BertClassifier(student).parameterCount().nonEmbedding()
                / new BertClassifier(BGE_SMALL).parameterCount().nonEmbedding();
    }
}
