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
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.OnnxExport;
import dev.distill.core.support.TestData;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ONNX model as teacher: loaded on ONNX Runtime, contract checked, its label names read from its metadata; and a
 * checkpoint teacher run on ONNX Runtime.
 */
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

    /** A checkpoint teacher run on ONNX Runtime: the logits, identity and classes it has on PyTorch. */
    @Test
    void aCheckpointRunsOnOnnxRuntimeAsOnPyTorch() throws Exception {
        TrainingSettings settings = TrainingSettings.constantRate(0.5f, 2f, 1e-3f, 9);
        Path checkpoint;
        try (DistillationTrainer trainer = new DistillationTrainer(TEACHER, settings, TestData.tokenizer(),
                Device.cpu())) {
            checkpoint = trainer.checkpoint(directory.resolve("checkpoints"), new CheckpointManifest(
                    Checkpoints.FORMAT_VERSION, "teacher", "test", 0, 0, Instant.now().toString(), TEACHER,
                    new TreeMap<>(settings.asRunConfig()), null, 0));
        }
        List<String> texts = List.of("the match ended in a draw .", "shares rose on strong earnings .",
                "a new chip doubles battery life");
        try (TextClassifier pytorch = TextClassifier.load(checkpoint, TestData.tokenizer(), Device.cpu());
                TextClassifier onnx = TextClassifier.loadOnOnnxRuntime(checkpoint, TestData.tokenizer());
                Predictor<List<String>, float[][]> a = pytorch.newPredictor();
                Predictor<List<String>, float[][]> b = onnx.newPredictor()) {
            assertEquals(pytorch.id(), onnx.id(), "the checkpoint's identity, whatever runs it");
            assertEquals(TEACHER.labels(), onnx.labels());
            assertTrue(onnx.description().contains("on ONNX Runtime"), onnx.description());
            float[][] expected = a.predict(texts);
            float[][] actual = b.predict(texts);
            for (int row = 0; row < texts.size(); row++) {
                assertArrayEquals(expected[row], actual[row], 1e-4f, texts.get(row));
            }
        }
    }
}
