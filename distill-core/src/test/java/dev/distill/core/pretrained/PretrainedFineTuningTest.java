package dev.distill.core.pretrained;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.support.TestData;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model starts from a pretrained encoder's layers (every k-th), fine-tunes on gold labels (alpha = 1), and the
 * checkpoint it writes loads as a teacher that predicts what the trainer predicted.
 */
class PretrainedFineTuningTest {
    @TempDir
    Path root;

    @Test
    void aPretrainedStartFineTunesIntoATeacherCheckpoint() throws Exception {
        List<String> probes = List.of("a gripping , funny film .", "dull and lifeless .");
        TrainingSettings settings = TrainingSettings.constantRate(1f, 1f, 5e-5f, 3);
        Path checkpoint;
        float[][] trained;
        try (NDManager scratch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ModelSource miniLm = PretrainedEncoder.ALL_MINILM_L6_V2.load(scratch, 32);
            ModelConfig model = miniLm.modelWith(2, 32, List.of("negative", "positive"));
            assertEquals(384, model.hiddenSize());
            assertEquals(3, miniLm.defaultStride(model.layers()), "6 source layers, 2 in the model: every 3rd");
            try (DistillationTrainer trainer = new DistillationTrainer(model, settings, TestData.tokenizer(),
                    Device.cpu())) {
                List<String> random = trainer.initializeFrom(miniLm, 3);
                assertEquals(List.of("bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight",
                        "classifier.bias"), random, "the encoder has no pooler and no head");
                List<SoftLabel> batch = new ArrayList<>();
                Path train = TestData.sst2("train");
                for (LabeledText row : LabeledTsv.read(train, LabelSet.of(train), 64)) {
                    batch.add(new SoftLabel("s" + batch.size(), row.text(), row.label(), null));
                }
                float first = trainer.step(batch.subList(0, 32)).loss();
                trainer.step(batch.subList(32, 64));
                assertTrue(Float.isFinite(first), "loss " + first);
                trained = trainer.logits(probes);
                checkpoint = trainer.checkpoint(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, "teacher",
                        "fine-tune", 2, 64, "now", model, new TreeMap<>(settings.asRunConfig()), null, first));
            }
        }
        try (TextClassifier teacher = TextClassifier.open(checkpoint, TestData.tokenizer(), Device.cpu(), 32);
                Predictor<List<String>, float[][]> predictor = teacher.newPredictor()) {
            assertEquals(2, teacher.numClasses());
            float[][] loaded = predictor.predict(probes);
            for (int row = 0; row < probes.size(); row++) {
                assertArrayEquals(trained[row], loaded[row], 1e-5f);
            }
        }
    }
}
