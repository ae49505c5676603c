package dev.distill.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.support.TestData;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudentInitializationTest {
    private static final ModelConfig TEACHER = new ModelConfig(30522, 16, 4, 2, 32, 2);
    private static final ModelConfig STUDENT = new ModelConfig(30522, 16, 2, 2, 32, 2);

    @TempDir
    Path root;

    @Test
    void studentTakesEveryKthTeacherLayerAndTheEmbeddings() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TransformerClassifier teacher = initialized(TEACHER, manager);
            TransformerClassifier student = initialized(STUDENT, manager);

            student.initializeFrom(teacher, 2);

            List<Parameter> teacherParameters = teacher.getParameters().values();
            List<Parameter> studentParameters = student.getParameters().values();
            int perLayer = (teacherParameters.size() - studentParameters.size()) / 2;
            // Layout: 2 embeddings, embedding norm (2), layers, classifier (2).
            for (int i = 0; i < 4; i++) {
                assertSame(teacherParameters.get(i), studentParameters.get(i));
            }
            // Student layer 0 <- teacher layer 0, student layer 1 <- teacher layer 2.
            for (int i = 0; i < perLayer; i++) {
                assertSame(teacherParameters.get(4 + i), studentParameters.get(4 + i));
                assertSame(teacherParameters.get(4 + 2 * perLayer + i), studentParameters.get(4 + perLayer + i));
            }
            // The first parameter of a layer is its attention key weight: random, so it tells layers apart.
            assertFalse(Arrays.equals(teacherParameters.get(4 + perLayer).getArray().toFloatArray(),
                    studentParameters.get(4 + perLayer).getArray().toFloatArray()),
                    "student layer 1 must come from teacher layer 2, not teacher layer 1");
            assertSame(teacherParameters.get(teacherParameters.size() - 1),
                    studentParameters.get(studentParameters.size() - 1));
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
            student.initializeFrom(checkpoint, 1);
            float[][] studentLogits = student.logits(probes);
            for (int row = 0; row < probes.size(); row++) {
                assertArrayEquals(teacherLogits[row], studentLogits[row], 1e-6f);
            }
        }
    }

    @Test
    void mismatchedSizesAndStridesAreRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TransformerClassifier teacher = initialized(TEACHER, manager);
            TransformerClassifier wider = initialized(new ModelConfig(30522, 32, 2, 2, 32, 2), manager);
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> wider.initializeFrom(teacher, 2));
            assertTrue(size.getMessage().contains("all sizes but the number of layers must match"));
            TransformerClassifier student = initialized(STUDENT, manager);
            IllegalArgumentException stride = assertThrows(IllegalArgumentException.class,
                    () -> student.initializeFrom(teacher, 4));
            assertEquals("layer stride 4 maps the student's 2 layers beyond the teacher's 4", stride.getMessage());
        }
    }

    @Test
    void parameterCountMatchesTheInitialisedArrays() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TransformerClassifier block = initialized(TEACHER, manager);
            long total = block.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            long embeddings = (long) (TEACHER.vocabSize() + TEACHER.maxLength()) * TEACHER.hiddenSize();
            assertEquals(total, block.parameterCount().total());
            assertEquals(total - embeddings, block.parameterCount().nonEmbedding());
        }
    }

    private static void assertSame(Parameter expected, Parameter actual) {
        assertArrayEquals(expected.getArray().toFloatArray(), actual.getArray().toFloatArray(),
                "parameter " + actual.getName());
    }

    private static TransformerClassifier initialized(ModelConfig config, NDManager manager) {
        TransformerClassifier block = new TransformerClassifier(config);
        block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
        block.initialize(manager, DataType.FLOAT32, TransformerClassifier.inputShapes(1, 2));
        return block;
    }
}
