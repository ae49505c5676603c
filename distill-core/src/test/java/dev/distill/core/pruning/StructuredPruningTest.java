package dev.distill.core.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.export.HuggingFaceDirectory;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.OnnxExport;
import dev.distill.core.pretrained.ModelSource;
import dev.distill.core.support.TestData;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heads and neurons whose outputs are silenced (their columns of the projection that reads them zeroed) get zero
 * importance from the real gradients, are pruned first, and the pruned model then computes exactly the original's
 * logits: through DJL from its checkpoint, through ONNX Runtime from its export, and from its Hugging Face directory
 * read back.
 */
class StructuredPruningTest {
    /** 2 layers of 4 heads of 8 (hidden 32), feed-forward 64. */
    private static final ModelConfig MODEL = new ModelConfig(30522, 32, 2, 4, 64, 64, 2, 32,
            List.of("negative", "positive"));
    private static final int[] SILENT_HEADS = {1, 2};
    private static final int[] SILENT_NEURONS = {3, 10, 20, 33, 40, 50, 60, 63};

    @TempDir
    Path root;

    @Test
    void silencedUnitsArePrunedFirstAndThePrunedModelComputesTheSameLogits() throws Exception {
        TrainingSettings settings = TrainingSettings.constantRate(0.5f, 2f, 1e-3f, 5);
        List<String> probes = List.of("a gripping , funny film .", "dull and lifeless .", "it is what it is");
        List<SoftLabel> batch = new ArrayList<>();
        Path train = TestData.sst2("train");
        for (LabeledText row : LabeledTsv.read(train, LabelSet.of(train), 32)) {
            batch.add(new SoftLabel("s" + batch.size(), row.text(), row.label(), new float[] {0.3f, -0.2f}));
        }
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Map<String, NDArray> weights = silenced(randomWeights(settings, manager));
            StructuredPruning.Importance importance = StructuredPruning.Importance.none(MODEL);
            float[][] original;
            try (DistillationTrainer trainer = new DistillationTrainer(MODEL, settings, TestData.tokenizer(),
                    Device.cpu())) {
                trainer.initializeFrom(new ModelSource(MODEL, weights, "silenced"), 1);
                trainer.addImportance(batch.subList(0, 16), importance);
                trainer.addImportance(batch.subList(16, 32), importance);
                original = trainer.logits(probes);
            }
            for (int layer = 0; layer < MODEL.layers(); layer++) {
                for (int head : SILENT_HEADS) {
                    assertEquals(0, importance.heads()[layer][head], "silenced head " + head);
                }
                for (int head : new int[] {0, 3}) {
                    assertTrue(importance.heads()[layer][head] > 0, "head " + head + " matters");
                }
                for (int neuron : SILENT_NEURONS) {
                    assertEquals(0, importance.neurons()[layer][neuron], "silenced neuron " + neuron);
                }
            }

            StructuredPruning.Pruned pruned = StructuredPruning.prune(MODEL, weights, importance, 2,
                    MODEL.intermediateSize() - SILENT_NEURONS.length);
            assertEquals(MODEL.withHeads(2).withIntermediateSize(56), pruned.config());
            assertEquals(16, pruned.config().attentionWidth());
            assertEquals(List.of(16L, 32L), List.of(pruned.weights().get("bert.encoder.layer.1.attention.self.query"
                    + ".weight").getShape().getShape()[0], pruned.weights().get("bert.encoder.layer.1.attention"
                    + ".output.dense.weight").getShape().getShape()[0]));
            BertClassifier model = pruned.model(manager);
            assertTrue(model.parameterCount().nonEmbedding() < new BertClassifier(MODEL).parameterCount()
                    .nonEmbedding());
            Path checkpoint = Checkpoints.write(root.resolve("checkpoints"), new CheckpointManifest(
                    Checkpoints.FORMAT_VERSION, "pruned", "test", 0, 0, Instant.now().toString(), pruned.config(),
                    new TreeMap<>(settings.asRunConfig()), null, 0), model, List.of());

            assertLogits(original, checkpoint, probes, "checkpoint");
            Path onnx = root.resolve("pruned.onnx");
            try (OutputStream out = Files.newOutputStream(onnx)) {
                OnnxExport.write(model, out);
            }
            assertLogits(original, onnx, probes, "ONNX");
            Path huggingFace = root.resolve("huggingface");
            HuggingFaceDirectory.write(model, TestData.tokenizer(), huggingFace);
            // the pruned heads come back as heads of zeros: the unpruned layout, the pruned model's answers
            assertEquals(pruned.config().withHeads(MODEL.heads()),
                    HuggingFaceDirectory.read(huggingFace, manager, 32).config());
            assertLogits(original, huggingFace, probes, "Hugging Face directory");
        }
    }

    private static void assertLogits(float[][] expected, Path model, List<String> probes, String what)
            throws Exception {
        try (TextClassifier classifier = TextClassifier.open(model, TestData.tokenizer(), Device.cpu(), 32);
                Predictor<List<String>, float[][]> predictor = classifier.newPredictor()) {
            float[][] actual = predictor.predict(probes);
            for (int i = 0; i < probes.size(); i++) {
                assertArrayEquals(expected[i], actual[i], 1e-4f, what + ": " + probes.get(i));
            }
        }
    }

    private Map<String, NDArray> randomWeights(TrainingSettings settings, NDManager manager) {
        try (DistillationTrainer trainer = new DistillationTrainer(MODEL, settings, TestData.tokenizer(),
                Device.cpu())) {
            Path checkpoint = trainer.checkpoint(root.resolve("random"), new CheckpointManifest(
                    Checkpoints.FORMAT_VERSION, "random", "test", 0, 0, Instant.now().toString(), MODEL,
                    new TreeMap<>(settings.asRunConfig()), null, 0));
            return Checkpoints.readWeights(checkpoint, manager);
        }
    }

    /** Zeroes the silenced heads' and neurons' columns of the projections that read them, in every layer. */
    private static Map<String, NDArray> silenced(Map<String, NDArray> weights) {
        Map<String, NDArray> result = new LinkedHashMap<>(weights);
        int headSize = MODEL.attentionHeadSize();
        for (int layer = 0; layer < MODEL.layers(); layer++) {
            String prefix = "bert.encoder.layer." + layer + ".";
            result.put(prefix + "attention.output.dense.weight", zeroColumns(
                    weights.get(prefix + "attention.output.dense.weight"), IntStream.of(SILENT_HEADS)
                            .flatMap(h -> IntStream.range(h * headSize, (h + 1) * headSize)).toArray()));
            result.put(prefix + "output.dense.weight", zeroColumns(weights.get(prefix + "output.dense.weight"),
                    SILENT_NEURONS));
        }
        return result;
    }

    private static NDArray zeroColumns(NDArray weight, int[] columns) {
        float[] values = weight.toType(DataType.FLOAT32, false).toFloatArray();
        int width = (int) weight.getShape().get(1);
        for (int i = 0; i < values.length; i++) {
            for (int column : columns) {
                if (i % width == column) {
                    values[i] = 0;
                }
            }
        }
        return weight.getManager().create(values, weight.getShape());
    }
}
