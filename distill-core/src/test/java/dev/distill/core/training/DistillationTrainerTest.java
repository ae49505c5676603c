package dev.distill.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.pretrained.ModelSource;
import dev.distill.core.support.TestData;
import dev.distill.core.wire.SoftLabel;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillationTrainerTest {
    private static final ModelConfig SIZE = new ModelConfig(30522, 16, 1, 2, 32, 2);

    /** Each step tells whether its update was skipped, so that train-service can count them for operators. */
    @Test
    void aStepWhoseGradientsAreNotFiniteSaysItsUpdateWasSkipped() {
        List<SoftLabel> examples = TestData.goldExamples(64);
        try (DistillationTrainer trainer = new DistillationTrainer(new ModelConfig(30522, 16, 1, 2, 32, 2),
                TrainingSettings.constantRate(1f, 1f, 1e30f, 1), TestData.tokenizer(), Device.cpu())) {
            long said = 0;
            for (int start = 0; start < examples.size(); start += 8) {
                if (trainer.step(examples.subList(start, start + 8)).updateSkipped()) {
                    said++;
                }
            }
            assertTrue(said > 0, "a learning rate of 1e30 makes the weights, then the gradients, blow up");
            assertEquals(trainer.skippedSteps(), said);
        }
    }

    /**
     * A trainer works on any thread, not only on the one that loaded the engine (where DJL turns autograd off):
     * services hand it to their model thread, and a second model in a process gets a thread of its own.
     */
    @Test
    void aStepRunsOnAThreadOtherThanTheOneThatLoadedTheEngine() throws Exception {
        List<SoftLabel> examples = TestData.goldExamples(16);
        ExecutorService otherThread = Executors.newSingleThreadExecutor();
        try (DistillationTrainer trainer = new DistillationTrainer(SIZE,
                TrainingSettings.constantRate(1f, 1f, 1e-3f, 1), TestData.tokenizer(), Device.cpu())) {
            trainer.step(examples.subList(0, 8));
            Future<StepLoss> elsewhere = otherThread.submit(() -> trainer.step(examples.subList(8, 16)));
            assertTrue(Float.isFinite(elsewhere.get().loss()));
            assertEquals(0, trainer.skippedSteps());
            assertEquals(16, trainer.logits(examples.stream().map(SoftLabel::text).toList()).length);
        } finally {
            otherThread.shutdown();
        }
    }

    /** Weights are written in place on any thread too: a run resumes, or a student starts, on the model thread. */
    @Test
    void weightsAreResumedAndInitialisedOnAThreadOtherThanTheOneThatLoadedTheEngine(@TempDir Path root)
            throws Exception {
        List<String> probes = List.of("a gripping , funny film", "dull");
        ExecutorService otherThread = Executors.newSingleThreadExecutor();
        try (DistillationTrainer source = new DistillationTrainer(SIZE,
                TrainingSettings.constantRate(1f, 1f, 1e-3f, 1), TestData.tokenizer(), Device.cpu());
                DistillationTrainer resumed = new DistillationTrainer(SIZE,
                        TrainingSettings.constantRate(1f, 1f, 1e-3f, 2), TestData.tokenizer(), Device.cpu());
                DistillationTrainer initialised = new DistillationTrainer(SIZE,
                        TrainingSettings.constantRate(1f, 1f, 1e-3f, 3), TestData.tokenizer(), Device.cpu())) {
            Path checkpoint = source.checkpoint(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, "c", "run",
                    7, 0, "now", SIZE, new TreeMap<>(), null, 0));
            float[][] expected = source.logits(probes);
            otherThread.submit(() -> {
                resumed.resumeFrom(checkpoint);
                try (NDManager scratch = NDManager.newBaseManager()) {
                    initialised.initializeFrom(ModelSource.read(checkpoint.toString(), scratch, 32), 1);
                }
            }).get();
            for (DistillationTrainer loaded : List.of(resumed, initialised)) {
                float[][] actual = otherThread.submit(() -> loaded.logits(probes)).get();
                for (int row = 0; row < probes.size(); row++) {
                    assertArrayEquals(expected[row], actual[row], 1e-6f);
                }
            }
        } finally {
            otherThread.shutdown();
        }
    }
}
