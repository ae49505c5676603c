package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuarterStudentTest {
    /** bge-small's shape (12 x 384, 1536 feed-forward, 512 positions) with a two-class head. */
    private static final ModelConfig BGE_SMALL = new ModelConfig(30522, 384, 12, 12, 1536, 512, 2, 64,
            List.of("negative", "positive"));

    @Test
    void aQuarterOfTheLayersNarrowsTheFeedForwardBlocksJustEnough() {
        ModelConfig student = QuarterStudent.quarterDepth(BGE_SMALL);

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
        ModelConfig student = QuarterStudent.halfDepth(BGE_SMALL);

        assertEquals(6, student.layers());
        assertEquals(352, student.intermediateSize());
        assertTrue(share(student) <= 0.25 && share(student.withIntermediateSize(384)) > 0.25, "" + share(student));
    }

    @Test
    void tooManyLayersForAQuarterAreRefusedWithAReason() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> QuarterStudent.withLayers(BGE_SMALL, 12));
        assertTrue(refused.getMessage().contains("choose fewer layers"), refused.getMessage());
    }

    private static double share(ModelConfig student) {
        return (double) new BertClassifier(student).parameterCount().nonEmbedding()
                / new BertClassifier(BGE_SMALL).parameterCount().nonEmbedding();
    }
}
