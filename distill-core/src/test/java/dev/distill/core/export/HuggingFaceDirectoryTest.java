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
import dev.distill.core.weights.WeightTransfer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A student exported as a Hugging Face directory, with all its heads or some pruned away, computes in an independent
 * plain-PyTorch BERT ({@code reference/bert_reference.py}) the logits DJL computes: each golden file holds what the
 * reference computed from the very bytes this export writes (their sha-256 is in it), and
 * {@code reference/make-hf-golden.sh} remakes them. The directory also reads back into a model that computes the
 * same. (transformers itself loads both: distill-local's {@code TransformersExportTest}.)
 */
class HuggingFaceDirectoryTest {
    private static final ModelConfig CONFIG = new ModelConfig(30522, 16, 2, 4, 32, 64, 2, 32,
            List.of("negative", "neutral", "positive"));
    /** Two of the four heads pruned away in every layer, and a narrower feed-forward block. */
    private static final ModelConfig PRUNED = CONFIG.withHeads(2).withIntermediateSize(24);
    private static final List<String> SENTENCES = List.of("a gripping , funny film .", "dull .",
            "the plot goes nowhere , but the acting is wonderful throughout .");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theExportedDirectoryComputesWhatAReferencePyTorchBertComputes() throws Exception {
        assertReferenceComputesTheLogits(CONFIG, Path.of("target/hf-export-golden"),
                Path.of("src/test/resources/hf-export.golden.json"));
    }

    /**
     * A pruned model's directory holds every head of the unpruned width, the pruned ones as heads of zeros, and no
     * {@code pruned_heads} (which transformers 5 does not read): a plain BERT computes the pruned model's logits.
     */
    @Test
    void aPrunedModelsDirectoryComputesWhatAReferencePyTorchBertComputes() throws Exception {
        Path exported = Path.of("target/hf-export-golden-pruned");
        assertReferenceComputesTheLogits(PRUNED, exported,
                Path.of("src/test/resources/hf-export-pruned.golden.json"));
        JsonNode config = JSON.readTree(exported.resolve(HuggingFaceDirectory.CONFIG).toFile());
        assertEquals(4, config.get("num_attention_heads").asInt(), "every head of the unpruned width");
        assertTrue(config.path("pruned_heads").isMissingNode(), config.toString());
    }

    private static void assertReferenceComputesTheLogits(ModelConfig size, Path exported, Path goldenFile)
            throws Exception {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                TextTokenizer tokenizer = TextTokenizer.load(TestData.tokenizer(), size.maxLength())) {
            BertClassifier model = seeded(size, manager);
            HuggingFaceDirectory.write(model, TestData.tokenizer(), exported);
            TokenizedBatch batch = tokenizer.encode(SENTENCES);
            JSON.writeValue(exported.resolve("inputs.json").toFile(), Map.of("input_ids", batch.inputIds(),
                    "attention_mask", batch.attentionMask()));
            if (!Files.exists(goldenFile)) {
                fail("no golden file " + goldenFile + ": the export is in " + exported.toAbsolutePath()
                        + "; run bash reference/make-hf-golden.sh");
            }
            JsonNode golden = JSON.readTree(goldenFile.toFile());
            assertEquals(golden.get("model_safetensors_sha256").asText(),
                    Sha256.of(exported.resolve(HuggingFaceDirectory.WEIGHTS)),
                    "the export writes the bytes the reference read");
            assertEquals(size.labels(), JSON.convertValue(golden.get("labels"), List.class));
            long[][] ids = JSON.convertValue(golden.get("input_ids"), long[][].class);
            long[][] mask = JSON.convertValue(golden.get("attention_mask"), long[][].class);
            assertArrayEquals(batch.inputIds(), ids, "the tokenizer still gives the golden inputs");
            float[][] expected = JSON.convertValue(golden.get("logits"), float[][].class);
            float[] actual = logits(model, manager, ids, mask);
            float worst = 0;
            for (int row = 0; row < expected.length; row++) {
                for (int column = 0; column < size.numClasses(); column++) {
                    worst = Math.max(worst, Math.abs(expected[row][column] - actual[row * size.numClasses()
                            + column]));
                }
            }
            System.out.printf("Hugging Face export of %s: largest logit difference from the PyTorch reference %.2e%n",
                    size, worst);
            assertTrue(worst <= 1e-4, "largest logit difference " + worst);

            HuggingFaceDirectory.Loaded back = HuggingFaceDirectory.read(exported, manager, size.maxLength());
            assertEquals(size.withHeads(size.hiddenSize() / size.attentionHeadSize()), back.config());
            if (!size.headsPruned()) {
                model.weights().forEach((name, parameter) -> assertArrayEquals(parameter.getArray().toFloatArray(),
                        back.weights().get(name).toFloatArray(), name));
            }
            BertClassifier readBack = new BertClassifier(back.config());
            readBack.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
            WeightTransfer.assign(readBack.weights(), back.weights(), exported.toString());
            assertArrayEquals(actual, logits(readBack, manager, ids, mask), 1e-5f,
                    "the model read back computes the same");
        }
    }

    private static float[] logits(BertClassifier model, NDManager manager, long[][] ids, long[][] mask) {
        return model.forward(new ParameterStore(manager, false), new NDList(manager.create(ids),
                manager.create(mask)), false).head().toFloatArray();
    }

    /** A model whose weights come from a fixed java.util.Random: the same on every machine and engine build. */
    private static BertClassifier seeded(ModelConfig size, NDManager manager) {
        BertClassifier model = new BertClassifier(size);
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
