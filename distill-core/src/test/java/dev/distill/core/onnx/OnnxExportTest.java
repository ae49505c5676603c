package dev.distill.core.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.translate.NoopTranslator;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.proto.Onnx;
import dev.distill.core.support.TestData;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A student exported to ONNX runs in ONNX Runtime with the logits DJL computes, on real sentences, for batches and
 * lengths other than any the export saw (dynamic axes), and carries its label names.
 */
class OnnxExportTest {
    private static final ModelConfig STUDENT = new ModelConfig(30522, 32, 2, 4, 128, 64, 2, 64,
            List.of("world", "sports", "business", "sci/tech"));

    @TempDir
    Path directory;

    @Test
    void onnxRuntimeComputesTheStudentsLogits() throws Exception {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                TextTokenizer tokenizer = TextTokenizer.load(TestData.tokenizer(), STUDENT.maxLength())) {
            BertClassifier student = new BertClassifier(STUDENT);
            student.setInitializer(new NormalInitializer(0.3f), Parameter.Type.WEIGHT);
            student.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
            Path file = directory.resolve("student.onnx");
            try (OutputStream out = Files.newOutputStream(file)) {
                OnnxExport.write(student, out);
            }
            try (Model runtime = Model.newInstance("student", Device.cpu(), "OnnxRuntime")) {
                runtime.load(directory, "student");
                for (List<String> sentences : List.of(
                        List.of("a gripping , funny film .", "dull .",
                                "the acting is wooden and the plot goes nowhere , slowly ."),
                        List.of("stocks fell sharply on tuesday after the central bank raised rates again ."))) {
                    TokenizedBatch batch = tokenizer.encode(sentences);
                    float[] expected = student.forward(new ParameterStore(manager, false), new NDList(
                            manager.create(batch.inputIds()), manager.create(batch.attentionMask())), false)
                            .head().toFloatArray();
                    float[] actual;
                    try (Predictor<NDList, NDList> predictor = runtime.newPredictor(new NoopTranslator());
                            NDManager inputs = runtime.getNDManager().newSubManager()) {
                        NDArray ids = named(inputs.create(batch.inputIds()), "input_ids");
                        actual = predictor.predict(new NDList(ids,
                                named(inputs.create(batch.attentionMask()), "attention_mask"),
                                named(inputs.zeros(ids.getShape(), DataType.INT64), "token_type_ids")))
                                .head().toFloatArray();
                    }
                    assertEquals(expected.length, actual.length);
                    float worst = 0;
                    for (int i = 0; i < actual.length; i++) {
                        worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
                    }
                    System.out.printf("ONNX export, batch of %d: largest logit difference %.2e%n", sentences.size(),
                            worst);
                    assertTrue(worst <= 1e-4, "largest logit difference " + worst);
                }
            }
            Onnx.ModelProto written;
            try (InputStream in = Files.newInputStream(file)) {
                written = OnnxModels.read(in);
            }
            assertEquals("{\"0\": \"world\", \"1\": \"sports\", \"2\": \"business\", \"3\": \"sci/tech\"}",
                    written.getMetadataProps(0).getValue());
            assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"),
                    written.getGraph().getInputList().stream().map(Onnx.ValueInfoProto::getName).toList());
        }
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }
}
