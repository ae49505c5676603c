package dev.distill.core.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.OnnxExport;
import dev.distill.core.support.TestData;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An ONNX model as teacher: loaded on ONNX Runtime, contract checked, its label names read from its metadata. */
class OnnxTeacherTest {
    private static final ModelConfig TEACHER = new ModelConfig(30522, 32, 2, 4, 128, 64, 2, 64,
            List.of("world", "sports", "business"));

    @TempDir
    Path directory;

    @Test
    void anOnnxTeacherPredictsLikeTheModelItWasExportedFrom() throws Exception {
        List<String> texts = List.of("the match ended in a draw .", "shares rose on strong earnings .");
        float[] expected;
        Path file = directory.resolve("teacher.onnx");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                TextTokenizer tokenizer = TextTokenizer.load(TestData.tokenizer(), TEACHER.maxLength())) {
            BertClassifier model = new BertClassifier(TEACHER);
            model.setInitializer(new NormalInitializer(0.3f), Parameter.Type.WEIGHT);
            model.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
            try (OutputStream out = Files.newOutputStream(file)) {
                OnnxExport.write(model, out);
            }
            TokenizedBatch batch = tokenizer.encode(texts);
            expected = model.forward(new ParameterStore(manager, false), new NDList(manager.create(batch.inputIds()),
                    manager.create(batch.attentionMask())), false).head().toFloatArray();
        }
        try (TextClassifier teacher = TextClassifier.open(file, TestData.tokenizer(), Device.cpu(), 64);
                Predictor<List<String>, float[][]> predictor = teacher.newPredictor()) {
            assertEquals(TEACHER.labels(), teacher.labels(), "label names from the model's id2label metadata");
            assertTrue(teacher.description().contains("takes token_type_ids"), teacher.description());
            float[][] logits = predictor.predict(texts);
            for (int row = 0; row < texts.size(); row++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(expected, row * 3, row * 3 + 3), logits[row], 1e-4f);
            }
        }
    }
}
