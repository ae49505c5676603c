package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuarterStudentTest {

    /** bge-small's shape (12 x 384, 1536 feed-forward, 512 positions) with a two-class head. */
    @Test
    void aQuarterOfBgeSmallKeepsAtMostAQuarterOfItsNonEmbeddingParameters() {
        ModelConfig teacher = new ModelConfig(30522, 384, 12, 12, 1536, 512, 2, 64, List.of("negative", "positive"));
        ModelConfig student = QuarterStudent.of(teacher);

        assertEquals(3, student.layers());
        assertEquals(1472, student.intermediateSize());
        assertEquals(teacher.hiddenSize(), student.hiddenSize());
        assertEquals(teacher.labels(), student.labels());
        double share = (double) new BertClassifier(student).parameterCount().nonEmbedding()
                / new BertClassifier(teacher).parameterCount().nonEmbedding();
        assertTrue(share <= 0.25 && share > 0.24, "share " + share);
        double fullWidth = (double) new BertClassifier(student.withIntermediateSize(1536)).parameterCount()
                .nonEmbedding() / new BertClassifier(teacher).parameterCount().nonEmbedding();
        assertTrue(fullWidth > 0.25, "3 full-width layers would be " + fullWidth);
    }
}
