package dev.distill.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.inference.ModelContractException;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.support.TestData;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.WireCodec;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Intermediate-layer distillation: teacher states out of a checkpoint, over the wire, into the student's loss. */
class IntermediateDistillationTest {
    private static final ModelConfig TEACHER = new ModelConfig(30522, 32, 2, 2, 32, 2);
    private static final ModelConfig STUDENT = new ModelConfig(30522, 16, 1, 2, 32, 2);
    private static final List<String> TEXTS = List.of("a gripping , funny film", "dull and lifeless",
            "the acting is great", "a waste of time");

    @TempDir
    Path root;

    @Test
    void studentLearnsTheTeachersPooledLayerStates() throws TranslateException {
        Path teacherCheckpoint = teacherCheckpoint();
        SoftLabelBatch batch;
        try (TextClassifier teacher = TextClassifier.load(teacherCheckpoint, TestData.tokenizer(), Device.cpu());
                Predictor<List<String>, TextClassifier.TeacherOutput> predictor =
                        teacher.newTeacherPredictor(new int[] {2, 1})) {
            TextClassifier.TeacherOutput output = predictor.predict(TEXTS);
            assertEquals(TEXTS.size(), output.hidden().length);
            assertEquals(2, output.hidden()[0].length);
            assertEquals(32, output.hidden()[0][0].length);
            List<SoftLabel> labels = new ArrayList<>();
            for (int i = 0; i < TEXTS.size(); i++) {
                labels.add(new SoftLabel("e" + i, TEXTS.get(i), null, output.logits()[i], output.hidden()[i]));
            }
            batch = WireCodec.decode(WireCodec.encode(new SoftLabelBatch("b", teacher.id(), "tok", 2f,
                    new int[] {2, 1}, labels)), SoftLabelBatch.class);
            assertArrayEquals(output.hidden()[3][1], batch.labels().get(3).hidden()[1]);
        }

        LayerMatching matching = LayerMatching.parse("1:2", 32, 1f);
        List<SoftLabel> selected = matching.select(batch);
        assertArrayEquals(batch.labels().get(0).hidden()[0], selected.get(0).hidden()[0]);
        // alpha = 1 and no gold labels: CE and KL terms are 0, so the loss is the hidden-state loss alone.
        try (DistillationTrainer student = new DistillationTrainer(STUDENT,
                TrainingSettings.constantRate(1f, 2f, 3e-3f, 5), TestData.tokenizer(), Device.cpu(), matching)) {
            float first = student.step(selected).loss();
            float last = first;
            for (int i = 0; i < 40; i++) {
                last = student.step(selected).loss();
            }
            assertTrue(first > 0, "hidden-state loss starts positive: " + first);
            assertTrue(last < first / 2, "hidden-state loss falls: " + first + " -> " + last);
            assertEquals(2, student.logits(TEXTS)[0].length);
        }
    }

    @Test
    void batchWithoutTheMatchedLayerIsRefused() {
        SoftLabelBatch batch = new SoftLabelBatch("b-9", "t", "tok", 2f, new int[] {1},
                List.of(new SoftLabel("e", "text", 1, new float[] {0, 1}, new float[][] {new float[32]})));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> LayerMatching.parse("1:2", 32, 1f).select(batch));
        assertTrue(error.getMessage().contains("carries hidden states of teacher layers [1] but the layer map needs "
                + "layer 2"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LayerMatching.parse("1-2", 32, 1f));
    }

    @Test
    void torchScriptTeacherCannotExportHiddenStates() throws URISyntaxException {
        Path model = Path.of(getClass().getResource("/torchscript/tiny-teacher.pt").toURI());
        try (TextClassifier teacher = TextClassifier.open(model, TestData.tokenizer(), Device.cpu(), 64)) {
            ModelContractException error = assertThrows(ModelContractException.class,
                    () -> teacher.newTeacherPredictor(new int[] {1}));
            assertTrue(error.getMessage().contains("only a checkpoint of this project exposes"), error.getMessage());
        }
    }

    private Path teacherCheckpoint() {
        try (DistillationTrainer teacher = new DistillationTrainer(TEACHER,
                TrainingSettings.constantRate(1f, 1f, 1e-3f, 3), TestData.tokenizer(), Device.cpu())) {
            return teacher.checkpoint(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, "t", "run", 0, 0,
                    "now", TEACHER, new TreeMap<>(), null, 0));
        }
    }
}
