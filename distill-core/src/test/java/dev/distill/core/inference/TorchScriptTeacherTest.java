package dev.distill.core.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Sha256;
import dev.distill.core.support.TestData;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TorchScript teachers exported by {@code teachers/export_torchscript.py}: the fixture's logits match what PyTorch
 * computed when it was exported, and models that break the teacher contract are refused with a clear message.
 */
class TorchScriptTeacherTest {
    /** These texts tokenize to exactly the ids of tiny-teacher.golden.json (BERT uncased WordPiece). */
    private static final List<String> GOLDEN_TEXTS = List.of("this movie is great", "terrible and boring",
            "a leading , funny film with great acting");

    @Test
    void fixtureTeacherReproducesPyTorchLogits() throws IOException, TranslateException, URISyntaxException {
        Path model = fixture("tiny-teacher.pt");
        JsonNode golden = new ObjectMapper().readTree(fixture("tiny-teacher.golden.json").toFile());
        try (TextClassifier teacher = TextClassifier.open(model, TestData.tokenizer(), Device.cpu(), 128);
                Predictor<List<String>, float[][]> predictor = teacher.newPredictor()) {
            assertEquals(2, teacher.numClasses());
            assertEquals(Sha256.of(model), teacher.id());
            float[][] logits = predictor.predict(GOLDEN_TEXTS);
            for (int row = 0; row < GOLDEN_TEXTS.size(); row++) {
                JsonNode expected = golden.get("logits").get(row);
                assertArrayEquals(new float[] {expected.get(0).floatValue(), expected.get(1).floatValue()},
                        logits[row], 1e-5f, "logits of '" + GOLDEN_TEXTS.get(row) + "'");
            }
        }
    }

    @Test
    void modelWithWrongInputsIsRefusedWithTheExpectedContract() throws URISyntaxException {
        ModelContractException error = assertThrows(ModelContractException.class,
                () -> TextClassifier.open(fixture("wrong-inputs.pt"), TestData.tokenizer(), Device.cpu(), 128));
        assertTrue(error.getMessage().contains("expected forward(input_ids, attention_mask[, token_type_ids])"),
                error.getMessage());
    }

    @Test
    void modelWithWrongOutputsIsRefusedWithTheExpectedContract() throws URISyntaxException {
        ModelContractException error = assertThrows(ModelContractException.class,
                () -> TextClassifier.open(fixture("wrong-outputs.pt"), TestData.tokenizer(), Device.cpu(), 128));
        assertTrue(error.getMessage().contains("returns float32 [2, 4, 8]"), error.getMessage());
        assertTrue(error.getMessage().contains("expected logits as one float tensor [batch, classes]"),
                error.getMessage());
    }

    @Test
    void missingModelSaysWhatWasExpected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TextClassifier.open(Path.of("no/such/teacher.pt"), TestData.tokenizer(), Device.cpu(), 128));
        assertTrue(error.getMessage().contains("TorchScript file ending in .pt"), error.getMessage());
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(TorchScriptTeacherTest.class.getResource("/torchscript/" + name).toURI());
    }
}
