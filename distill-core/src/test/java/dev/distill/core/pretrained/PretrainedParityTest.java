package dev.distill.core.pretrained;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.support.TestData;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The BERT encoder built from DJL blocks, with weights read from a pretrained encoder's ONNX file, computes what ONNX
 * Runtime computes from that file: the same last hidden state for every token of a padded batch of real sentences,
 * within 1e-4.
 */
class PretrainedParityTest {
    private static final List<String> SENTENCES = List.of(
            "the film is a gripping , funny and deeply moving portrait of a family .",
            "dull .",
            "it 's not the worst movie of the year , but it 's close , and the acting is wooden throughout .");
    private static final float TOLERANCE = 1e-4f;

    @ParameterizedTest
    @EnumSource(value = PretrainedEncoder.class, names = {"BGE_SMALL_EN_V15", "ALL_MINILM_L6_V2"})
    void theDjlEncoderReproducesOnnxRuntime(PretrainedEncoder encoder) throws Exception {
        Path onnx = extracted(encoder);
        try (TextTokenizer tokenizer = TextTokenizer.load(TestData.tokenizer(), 64);
                NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Model runtime = Model.newInstance(encoder.id(), Device.cpu(), "OnnxRuntime")) {
            TokenizedBatch batch = tokenizer.encode(SENTENCES);
            runtime.load(onnx.getParent(), encoder.id());
            float[] expected;
            long[] expectedShape;
            try (Predictor<NDList, NDList> predictor = runtime.newPredictor(new NoopTranslator());
                    NDManager inputs = runtime.getNDManager().newSubManager()) {
                NDList output = predictor.predict(new NDList(
                        named(inputs.create(batch.inputIds()), "input_ids"),
                        named(inputs.create(batch.attentionMask()), "attention_mask"),
                        named(inputs.zeros(inputs.create(batch.inputIds()).getShape(), DataType.INT64),
                                "token_type_ids")));
                expected = output.head().toFloatArray();
                expectedShape = output.head().getShape().getShape();
            }

            ModelSource loaded = encoder.load(manager, 512);
            BertClassifier model = new BertClassifier(loaded.config());
            model.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
            List<String> kept = model.initializeFrom(loaded.weights(), loaded.config(), 1, loaded.name());
            assertTrue(kept.stream().allMatch(name -> name.startsWith("bert.pooler.") || name.startsWith("classifier.")),
                    "only the pooler and the head are not in the encoder: " + kept);
            NDList states = model.hiddenStates(new ParameterStore(manager, false), new NDList(
                    manager.create(batch.inputIds()), manager.create(batch.attentionMask())), false, null);
            NDArray last = states.get(loaded.config().layers());
            assertArrayEquals(expectedShape, last.getShape().getShape());
            float[] actual = last.toFloatArray();
            float worst = 0;
            for (int i = 0; i < actual.length; i++) {
                worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            }
            System.out.printf("%s: %d layers, largest difference from ONNX Runtime %.2e over %d values%n",
                    encoder.id(), loaded.config().layers(), worst, actual.length);
            assertTrue(worst <= TOLERANCE, encoder.id() + ": largest difference " + worst);
            assertEquals(encoder == PretrainedEncoder.BGE_SMALL_EN_V15 ? 12 : 6, loaded.config().layers());
        }
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    /** ONNX Runtime loads models from files: the resource, copied out of its jar once. */
    private static Path extracted(PretrainedEncoder encoder) throws IOException {
        Path file = Path.of("target", "onnx", encoder.id() + ".onnx").toAbsolutePath();
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            try (InputStream in = PretrainedParityTest.class.getClassLoader()
                    .getResourceAsStream(encoder.resource())) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return file;
    }
}
