package dev.distill.label;

import dev.distill.testkit.TestCheckpoints;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** label-service with the tiny TorchScript teacher of distill-core's tests. */
public class LabelTestProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "label.teacher", "../distill-core/src/test/resources/torchscript/tiny-teacher.pt",
                "label.tokenizer", TestCheckpoints.TOKENIZER.toString());
    }
}
