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
 * A run with intermediate-layer distillation ({@code train.layer-map}) refuses batches that lack the teacher states
 * its layer map needs, and trains on those that carry them.
 */
@QuarkusTest
@TestProfile(LayerMapRunTest.LayerMap.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class LayerMapRunTest {

    public static class LayerMap extends TrainTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("train.layer-map", "1:2");
            overrides.put("train.layer-map-teacher-hidden-size", "8");
            return overrides;
        }
    }

    @Test
    void batchesWithoutTheMappedTeacherStatesAreRefused() throws InterruptedException {
        String tokenizer = SoftLabelBatches.tokenizerId();
        SoftLabelBatch withoutStates = batch("without-states", "teacher", tokenizer, 6, null);
        SoftLabelBatches.send(batch("with-states", "teacher", tokenizer, 4, new int[] {1, 2}), withoutStates,
                batch("with-states-2", "teacher", tokenizer, 3, new int[] {2}));

        List<String> reasons = SoftLabelBatches.deadLetterReasons(withoutStates);
        assertTrue(reasons.get(0).contains("carries hidden states of teacher layers [] but the layer map needs "
                + "layer 2"), reasons.get(0));
        SoftLabelBatches.awaitTrained(7, 2);
    }
}
