package dev.distill.core.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Sha256;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.support.TestData;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A student exported as a Hugging Face directory computes, in an independent plain-PyTorch BERT
 * ({@code reference/bert_reference.py}), the logits DJL computes: the golden file holds what the reference computed
 * from the very bytes this export writes (their sha-256 is in it), and {@code reference/make-hf-golden.sh} remakes it.
 * The directory also reads back into the same model.
 */
class HuggingFaceDirectoryTest {
    private static final ModelConfig CONFIG = new ModelConfig(30522, 16, 2, 4, 32, 64, 2, 32,
            List.of("negative", "neutral", "positive"));
    private static final Path EXPORTED = Path.of("target/hf-export-golden");
    private static final Path GOLDEN = Path.of("src/test/resources/hf-export.golden.json");
    private static final List<String> SENTENCES = List.of("a gripping , funny film .", "dull .",
            "the plot goes nowhere , but the acting is wonderful throughout .");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theExportedDirectoryComputesWhatAReferencePyTorchBertComputes() throws Exception {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                TextTokenizer tokenizer = TextTokenizer.load(TestData.tokenizer(), CONFIG.maxLength())) {
            BertClassifier model = seeded(manager);
            HuggingFaceDirectory.write(model, TestData.tokenizer(), EXPORTED);
            TokenizedBatch batch = tokenizer.encode(SENTENCES);
            JSON.writeValue(EXPORTED.resolve("inputs.json").toFile(), Map.of("input_ids", batch.inputIds(),
                    "attention_mask", batch.attentionMask()));
            if (!Files.exists(GOLDEN)) {
                fail("no golden file " + GOLDEN + ": the export is in " + EXPORTED.toAbsolutePath()
                        + "; run bash reference/make-hf-golden.sh");
            }
            JsonNode golden = JSON.readTree(GOLDEN.toFile());
            assertEquals(golden.get("model_safetensors_sha256").asText(),
                    Sha256.of(EXPORTED.resolve(HuggingFaceDirectory.WEIGHTS)),
                    "the export writes the bytes the reference read");
            assertEquals(CONFIG.labels(), JSON.convertValue(golden.get("labels"), List.class));
            long[][] ids = JSON.convertValue(golden.get("input_ids"), long[][].class);
            long[][] mask = JSON.convertValue(golden.get("attention_mask"), long[][].class);
            assertArrayEquals(batch.inputIds(), ids, "the tokenizer still gives the golden inputs");
            float[][] expected = JSON.convertValue(golden.get("logits"), float[][].class);
            float[] actual = model.forward(new ParameterStore(manager, false), new NDList(manager.create(ids),
                    manager.create(mask)), false).head().toFloatArray();
            float worst = 0;
            for (int row = 0; row < expected.length; row++) {
                for (int column = 0; column < CONFIG.numClasses(); column++) {
                    worst = Math.max(worst, Math.abs(expected[row][column] - actual[row * CONFIG.numClasses()
                            + column]));
                }
            }
            System.out.printf("Hugging Face export: largest logit difference from the PyTorch reference %.2e%n",
                    worst);
            assertTrue(worst <= 1e-4, "largest logit difference " + worst);

            HuggingFaceDirectory.Loaded back = HuggingFaceDirectory.read(EXPORTED, manager, CONFIG.maxLength());
            assertEquals(CONFIG, back.config());
            model.weights().forEach((name, parameter) -> assertArrayEquals(parameter.getArray().toFloatArray(),
                    back.weights().get(name).toFloatArray(), name));
        }
    }

    /** A model whose weights come from a fixed java.util.Random: the same on every machine and engine build. */
    private static BertClassifier seeded(NDManager manager) {
        BertClassifier model = new BertClassifier(CONFIG);
        model.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
        Random random = new Random(20261130);
        for (Map.Entry<String, Parameter> weight : model.weights().entrySet()) {
            NDArray array = weight.getValue().getArray();
            float[] values = new float[(int) array.size()];
            for (int i = 0; i < values.length; i++) {
                double noise = random.nextGaussian();
                values[i] = (float) (weight.getKey().endsWith("LayerNorm.weight") ? 1 + 0.1 * noise
                        : weight.getKey().endsWith("bias") ? 0.1 * noise : 0.3 * noise);
            }
            array.set(values);
        }
        return model;
    }
}
