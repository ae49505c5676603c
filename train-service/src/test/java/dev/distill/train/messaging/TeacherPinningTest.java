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
import org.junit.jupiter.api.Test;

/**
 * A run pinned to one teacher ({@code train.teacher-id}) refuses soft labels of another teacher or of another
 * tokenizer: they go to the dead-letter topic with the reason, and the student never sees them.
 */
@QuarkusTest
@TestProfile(TeacherPinningTest.PinnedTeacher.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class TeacherPinningTest {
    static final String TEACHER = "teacher-the-run-expects";

    public static class PinnedTeacher extends TrainTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("train.teacher-id", TEACHER);
            return overrides;
        }
    }

    @Test
    void batchesOfAnotherTeacherOrTokenizerAreRefusedNotTrainedOn() throws InterruptedException {
        String tokenizer = SoftLabelBatches.tokenizerId();
        SoftLabelBatch otherTeacher = batch("other-teacher", "some-other-teacher", tokenizer, 5, null);
        SoftLabelBatch otherTokenizer = batch("other-tokenizer", TEACHER, "sha-of-another-tokenizer", 7, null);
        SoftLabelBatches.send(batch("good-1", TEACHER, tokenizer, 3, null), otherTeacher, otherTokenizer,
                batch("good-2", TEACHER, tokenizer, 2, null));

        List<String> reasons = SoftLabelBatches.deadLetterReasons(otherTeacher, otherTokenizer);
        assertTrue(reasons.get(0).contains("comes from teacher some-other-teacher, but this run trains on teacher "
                + TEACHER + " (train.teacher-id)"), reasons.get(0));
        assertTrue(reasons.get(1).contains("tokenized by the teacher with tokenizer sha-of-another-tokenizer"),
                reasons.get(1));
        SoftLabelBatches.awaitTrained(5, 2);
    }
}
