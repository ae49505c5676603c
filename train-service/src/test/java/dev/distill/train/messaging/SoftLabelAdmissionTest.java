package dev.distill.train.messaging;

import static dev.distill.train.messaging.SoftLabelBatches.batch;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.train.TrainTestProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A run pinned to one teacher ({@code train.teacher-id}) with intermediate-layer distillation ({@code train.layer-map})
 * refuses soft labels of another teacher, of another tokenizer, and without the teacher states its layer map needs:
 * they go to the dead-letter topic with the reason, and the student never sees them.
 */
@QuarkusTest
@Tag("own-profile") // a Quarkus application of its own: a JVM of its own (see the pom)
@TestProfile(SoftLabelAdmissionTest.PinnedTeacherWithLayerMap.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class SoftLabelAdmissionTest {
    static final String TEACHER = "teacher-the-run-expects";

    public static class PinnedTeacherWithLayerMap extends TrainTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("train.teacher-id", TEACHER);
            overrides.put("train.layer-map", "1:2");
            overrides.put("train.layer-map-teacher-hidden-size", "8");
            return overrides;
        }
    }

    @Test
    void batchesOfAnotherTeacherOrTokenizerOrWithoutTheMappedStatesAreRefusedNotTrainedOn()
            throws InterruptedException {
        String tokenizer = SoftLabelBatches.tokenizerId();
        int[] states = {1, 2};
        SoftLabelBatch otherTeacher = batch("other-teacher", "some-other-teacher", tokenizer, 5, states);
        SoftLabelBatch otherTokenizer = batch("other-tokenizer", TEACHER, "sha-of-another-tokenizer", 7, states);
        SoftLabelBatch withoutStates = batch("without-states", TEACHER, tokenizer, 6, null);
        SoftLabelBatches.send(batch("good-1", TEACHER, tokenizer, 3, states), otherTeacher, otherTokenizer,
                withoutStates, batch("good-2", TEACHER, tokenizer, 2, new int[] {2}));

        List<String> reasons = SoftLabelBatches.deadLetterReasons(otherTeacher, otherTokenizer, withoutStates);
        assertTrue(reasons.get(0).contains("comes from teacher some-other-teacher, but this run trains on teacher "
                + TEACHER + " (train.teacher-id)"), reasons.get(0));
        assertTrue(reasons.get(1).contains("tokenized by the teacher with tokenizer sha-of-another-tokenizer"),
                reasons.get(1));
        assertTrue(reasons.get(2).contains("carries hidden states of teacher layers [] but the layer map needs "
                + "layer 2"), reasons.get(2));
        SoftLabelBatches.awaitTrained(5, 2);
    }
}
