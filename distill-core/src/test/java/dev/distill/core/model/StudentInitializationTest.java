package dev.distill.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.pretrained.ModelSource;
import dev.distill.core.support.TestData;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudentInitializationTest {
    private static final ModelConfig TEACHER = new ModelConfig(30522, 16, 4, 2, 32, 2);
    private static final ModelConfig STUDENT = new ModelConfig(30522, 16, 2, 2, 32, 2);

    @TempDir
    Path root;

    @Test
    void studentTakesEveryKthTeacherLayerTheEmbeddingsPoolerAndHead() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BertClassifier teacher = initialized(TEACHER, manager);
            BertClassifier student = initialized(STUDENT, manager);

            List<String> kept = student.initializeFrom(arrays(teacher), TEACHER, 2, "teacher");

            assertEquals(List.of(), kept, "every student parameter has a teacher counterpart");
            Map<String, Parameter> from = teacher.weights();
            Map<String, Parameter> to = student.weights();
            for (String name : to.keySet()) {
                String source = name.replace("layer.1.", "layer.2.");
                assertSame(from.get(source), to.get(name), name + " <- " + source);
            }
            assertFalse(Arrays.equals(from.get("bert.encoder.layer.1.attention.self.key.weight").getArray()
                            .toFloatArray(), to.get("bert.encoder.layer.1.attention.self.key.weight").getArray()
                            .toFloatArray()),
                    "student layer 1 must come from teacher layer 2, not teacher layer 1");
        }
    }

    @Test
    void aHeadForOtherLabelsKeepsItsInitialValues() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BertClassifier teacher = initialized(TEACHER, manager);
            BertClassifier student = initialized(STUDENT.withLabels(List.of("a", "b", "c")), manager);
            List<String> kept = student.initializeFrom(arrays(teacher), TEACHER, 2, "teacher");
            assertEquals(List.of("classifier.weight", "classifier.bias"), kept);
        }
    }

    @Test
    void sameSizeStudentInitialisedFromATeacherCheckpointPredictsLikeIt() {
        ModelConfig size = new ModelConfig(30522, 16, 2, 2, 32, 2);
        List<String> probes = List.of("a gripping , funny film", "dull");
        Path checkpoint;
        float[][] teacherLogits;
        try (DistillationTrainer teacher = new DistillationTrainer(size,
                TrainingSettings.constantRate(1f, 1f, 1e-3f, 1), TestData.tokenizer(), Device.cpu())) {
            teacherLogits = teacher.logits(probes);
            checkpoint = teacher.checkpoint(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, "t", "run", 0,
                    0, "now", size, new TreeMap<>(), null, 0));
        }
        try (DistillationTrainer student = new DistillationTrainer(size,
                TrainingSettings.constantRate(0.5f, 2f, 1e-3f, 99), TestData.tokenizer(), Device.cpu())) {
            assertFalse(Arrays.equals(teacherLogits[0], student.logits(probes)[0]));
            try (NDManager scratch = NDManager.newBaseManager()) {
                student.initializeFrom(ModelSource.read(checkpoint.toString(), scratch, 32), 1);
            }
            float[][] studentLogits = student.logits(probes);
            for (int row = 0; row < probes.size(); row++) {
                assertArrayEquals(teacherLogits[row], studentLogits[row], 1e-6f);
            }
        }
    }

    /**
     * A student with a narrower feed-forward block keeps each layer's most important neurons: when the neurons left
     * out contribute nothing (their output weights are zero), it predicts exactly like its source.
     */
    @Test
    void aNarrowerFeedForwardBlockKeepsTheNeuronsThatMatter() {
        ModelConfig size = new ModelConfig(30522, 16, 2, 2, 32, 2);
        List<String> probes = List.of("a gripping , funny film", "dull");
        Path checkpoint;
        try (DistillationTrainer source = new DistillationTrainer(size,
                TrainingSettings.constantRate(1f, 1f, 1e-3f, 1), TestData.tokenizer(), Device.cpu())) {
            checkpoint = source.checkpoint(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, "t", "run", 0,
                    0, "now", size, new TreeMap<>(), null, 0));
        }
        try (NDManager scratch = NDManager.newBaseManager();
                DistillationTrainer full = new DistillationTrainer(size,
                        TrainingSettings.constantRate(1f, 1f, 1e-3f, 2), TestData.tokenizer(), Device.cpu());
                DistillationTrainer narrow = new DistillationTrainer(size.withIntermediateSize(size.intermediateSize() * 3 / 4),
                        TrainingSettings.constantRate(1f, 1f, 1e-3f, 3), TestData.tokenizer(), Device.cpu())) {
            ModelSource read = ModelSource.read(checkpoint.toString(), scratch, 32);
            Map<String, NDArray> weights = new LinkedHashMap<>(read.weights());
            for (int layer = 0; layer < size.layers(); layer++) {
                // every fourth neuron of each layer writes nothing to the layer's output
                NDArray out = weights.get("bert.encoder.layer." + layer + ".output.dense.weight");
                for (int neuron = layer + 1; neuron < size.intermediateSize(); neuron += 4) {
                    out.set(new NDIndex(":, " + neuron), 0f);
                }
            }
            ModelSource withSilentNeurons = new ModelSource(size, weights, "source with silent neurons");
            full.initializeFrom(withSilentNeurons, 1);
            narrow.initializeFrom(withSilentNeurons, 1);
            float[][] expected = full.logits(probes);
            float[][] actual = narrow.logits(probes);
            for (int row = 0; row < probes.size(); row++) {
                assertArrayEquals(expected[row], actual[row], 1e-5f);
            }
        }
    }

    @Test
    void mismatchedSizesAndStridesAreRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BertClassifier teacher = initialized(TEACHER, manager);
            BertClassifier wider = initialized(new ModelConfig(30522, 32, 2, 2, 32, 2), manager);
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> wider.initializeFrom(arrays(teacher), TEACHER, 2, "teacher"));
            assertTrue(size.getMessage().contains("width, heads, vocabulary and token types must match"),
                    size.getMessage());
            BertClassifier widerFeedForward = initialized(STUDENT.withIntermediateSize(2 * TEACHER.intermediateSize()), manager);
            IllegalArgumentException feedForward = assertThrows(IllegalArgumentException.class,
                    () -> widerFeedForward.initializeFrom(arrays(teacher), TEACHER, 2, "teacher"));
            assertTrue(feedForward.getMessage().contains("at least as many positions and feed-forward neurons"),
                    feedForward.getMessage());
            BertClassifier student = initialized(STUDENT, manager);
            IllegalArgumentException stride = assertThrows(IllegalArgumentException.class,
                    () -> student.initializeFrom(arrays(teacher), TEACHER, 4, "teacher"));
            assertEquals("layer stride 4 maps the 2 layers beyond the 4 of teacher", stride.getMessage());
        }
    }

    @Test
    void parameterCountMatchesTheInitialisedArrays() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BertClassifier block = initialized(TEACHER, manager);
            long total = block.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            assertEquals(total, block.weights().values().stream().mapToLong(p -> p.getArray().size()).sum(),
                    "weights() names every parameter");
            long embeddings = (long) (TEACHER.vocabSize() + TEACHER.maxPositions() + TEACHER.typeVocabSize())
                    * TEACHER.hiddenSize();
            assertEquals(total, block.parameterCount().total());
            assertEquals(total - embeddings, block.parameterCount().nonEmbedding());
        }
    }

    private static void assertSame(Parameter expected, Parameter actual, String what) {
        assertArrayEquals(expected.getArray().toFloatArray(), actual.getArray().toFloatArray(), what);
    }

    private static BertClassifier initialized(ModelConfig config, NDManager manager) {
        BertClassifier block = new BertClassifier(config);
        block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
        block.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
        return block;
    }

    private static Map<String, NDArray> arrays(BertClassifier model) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        model.weights().forEach((name, parameter) -> arrays.put(name, parameter.getArray()));
        return arrays;
    }
}
