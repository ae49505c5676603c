package dev.distill.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.support.TestData;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointRoundTripTest {
    private static final ModelConfig SMALL = new ModelConfig(30522, 32, 2, 2, 32, 2);
    private static final List<String> PROBES = List.of("a gripping , funny film", "dull and lifeless",
            "it 's not the best movie of the year , but it is far from the worst");

    @TempDir
    Path root;

    @Test
    void reloadedCheckpointGivesIdenticalLogits() throws TranslateException, IOException {
        Path directory;
        float[][] before;
        try (DistillationTrainer trainer = newTrainer()) {
            trainer.step(List.of(
                    new SoftLabel("1", "a gripping , funny film", 1, new float[] {-1f, 2f}),
                    new SoftLabel("2", "dull and lifeless", 0, new float[] {1.5f, -0.5f})));
            before = trainer.logits(PROBES);
            directory = trainer.checkpoint(root, manifest(1));
        }

        assertTrue(Files.isRegularFile(directory.resolve(Checkpoints.PARAMETERS)));
        CheckpointManifest manifest = Checkpoints.readManifest(directory);
        assertEquals(SMALL, manifest.model());
        assertEquals("0.5", manifest.runConfig().get("train.alpha"));
        assertEquals(64, manifest.parametersSha256().length());
        try (Stream<Path> leftovers = Files.list(root)) {
            assertFalse(leftovers.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-")));
        }

        try (TextClassifier reloaded = TextClassifier.load(directory, TestData.tokenizer(), Device.cpu());
                Predictor<List<String>, float[][]> predictor = reloaded.newPredictor()) {
            float[][] after = predictor.predict(PROBES);
            for (int row = 0; row < PROBES.size(); row++) {
                assertArrayEquals(before[row], after[row], 1e-6f, "logits of probe " + row);
            }
        }
    }

    /**
     * A snapshot keeps the parameters of its step: written on another thread after the trainer has moved on, the
     * checkpoint gives the logits of the step it was taken at, and the trainer's own are the later ones.
     */
    @Test
    void aSnapshotIsWrittenWithTheParametersOfItsStepWhileTrainingGoesOn() throws Exception {
        List<SoftLabel> batch = List.of(new SoftLabel("1", "a gripping , funny film", 1, new float[] {-1f, 2f}),
                new SoftLabel("2", "dull and lifeless", 0, new float[] {1.5f, -0.5f}));
        Path directory;
        float[][] atSnapshot;
        float[][] later;
        try (DistillationTrainer trainer = newTrainer()) {
            trainer.step(batch);
            atSnapshot = trainer.logits(PROBES);
            try (ParameterSnapshot snapshot = trainer.snapshot()) {
                for (int step = 0; step < 3; step++) {
                    trainer.step(batch);
                }
                later = trainer.logits(PROBES);
                ExecutorService writer = Executors.newSingleThreadExecutor();
                try {
                    directory = writer.submit(() -> snapshot.writeCheckpoint(root, manifest(1), List.of("1", "2")))
                            .get();
                } finally {
                    writer.shutdown();
                }
            }
        }

        assertEquals(List.of("1", "2"), Checkpoints.readAppliedExamples(directory));
        try (TextClassifier reloaded = TextClassifier.load(directory, TestData.tokenizer(), Device.cpu());
                Predictor<List<String>, float[][]> predictor = reloaded.newPredictor()) {
            float[][] written = predictor.predict(PROBES);
            for (int row = 0; row < PROBES.size(); row++) {
                assertArrayEquals(atSnapshot[row], written[row], 1e-6f, "logits of probe " + row);
                assertFalse(Arrays.equals(later[row], written[row]), "the trainer moved on from the snapshot");
            }
        }
    }

    @Test
    void corruptParametersAreDetected() throws IOException {
        Path directory;
        try (DistillationTrainer trainer = newTrainer()) {
            directory = trainer.checkpoint(root, manifest(0));
        }
        byte[] parameters = Files.readAllBytes(directory.resolve(Checkpoints.PARAMETERS));
        parameters[parameters.length / 2] ^= 0x5A;
        Files.write(directory.resolve(Checkpoints.PARAMETERS), parameters);

        CheckpointException error = assertThrows(CheckpointException.class,
                () -> TextClassifier.load(directory, TestData.tokenizer(), Device.cpu()));
        assertTrue(error.getMessage().contains("sha-256"), error.getMessage());
    }

    @Test
    void existingCheckpointIsNeverOverwritten() {
        try (DistillationTrainer trainer = newTrainer()) {
            trainer.checkpoint(root, manifest(3));
            CheckpointException error = assertThrows(CheckpointException.class,
                    () -> trainer.checkpoint(root, manifest(3)));
            assertTrue(error.getMessage().endsWith("already exists; checkpoints are never overwritten"),
                    error.getMessage());
        }
    }

    @Test
    void newestValidCheckpointSkipsTornAndCorruptOnes() throws IOException {
        Path valid;
        Path corrupt;
        Path torn;
        try (DistillationTrainer trainer = newTrainer()) {
            valid = trainer.checkpoint(root, manifest(10));
            corrupt = trainer.checkpoint(root, manifest(20));
            torn = trainer.checkpoint(root, manifest(30));
        }
        byte[] parameters = Files.readAllBytes(corrupt.resolve(Checkpoints.PARAMETERS));
        parameters[7] ^= 0x01;
        Files.write(corrupt.resolve(Checkpoints.PARAMETERS), parameters);
        Files.delete(torn.resolve(Checkpoints.PARAMETERS));
        Files.createDirectories(root.resolve(".tmp-unfinished"));

        List<String> skipped = new ArrayList<>();
        assertEquals(Optional.of(valid), Checkpoints.newestValid(root, skipped::add));
        assertEquals(2, skipped.size(), skipped.toString());
        assertTrue(skipped.get(0).startsWith("torn checkpoint " + torn), skipped.get(0));
        assertTrue(skipped.get(1).startsWith("corrupt checkpoint " + corrupt), skipped.get(1));
        assertEquals(Optional.empty(), Checkpoints.newestValid(root.resolve("none-yet"), skipped::add));
    }

    /**
     * A retired checkpoint keeps its manifest and ledger, loses its weights, tells a reader it was retired (not torn),
     * and is no candidate to resume from; retiring it again frees nothing.
     */
    @Test
    void aRetiredCheckpointKeepsItsManifestAndLedgerAndSaysSoToReaders() throws IOException {
        Path kept;
        Path retired;
        try (DistillationTrainer trainer = newTrainer()) {
            kept = trainer.checkpoint(root, manifest(10));
            retired = trainer.checkpoint(root, manifest(20), List.of("ex-1", "ex-2"));
        }
        long size = Files.size(retired.resolve(Checkpoints.PARAMETERS));

        assertEquals(size, CheckpointRetirement.retire(retired));
        assertTrue(CheckpointRetirement.retired(retired));
        assertFalse(Files.exists(retired.resolve(Checkpoints.PARAMETERS)));
        assertEquals(20, Checkpoints.readManifest(retired).step());
        assertEquals(List.of("ex-1", "ex-2"), Checkpoints.readAppliedExamples(retired));
        CheckpointException refused = assertThrows(CheckpointException.class,
                () -> TextClassifier.load(retired, TestData.tokenizer(), Device.cpu()));
        assertTrue(refused.getMessage().contains("was retired: checkpoint retention deleted its weights"),
                refused.getMessage());
        List<String> skipped = new ArrayList<>();
        assertEquals(Optional.of(kept), Checkpoints.newestValid(root, skipped::add));
        assertEquals(List.of(), skipped, "a retired checkpoint is no candidate, and no torn one either");
        assertEquals(0, CheckpointRetirement.retire(retired));
        assertFalse(CheckpointRetirement.retired(kept));
    }

    @Test
    void resumedTrainerContinuesFromTheCheckpointWithItsOffsetsAndLedger() {
        List<SoftLabel> batch = List.of(
                new SoftLabel("ex-1", "a gripping , funny film", 1, new float[] {-1f, 2f}),
                new SoftLabel("ex-2", "dull and lifeless", 0, new float[] {1.5f, -0.5f}));
        TreeMap<String, Long> offsets = new TreeMap<>(Map.of(Checkpoints.offsetKey("distill.soft-labels", 3), 41L));
        CheckpointManifest resumable = new CheckpointManifest(Checkpoints.FORMAT_VERSION, "ck-2", "run-1", 2, 4,
                Instant.now().toString(), SMALL, new TreeMap<>(), null, 0.3, "ck-1", offsets);
        Path directory;
        float[][] atCheckpoint;
        try (DistillationTrainer trainer = newTrainer()) {
            trainer.step(batch);
            trainer.step(batch);
            directory = trainer.checkpoint(root, resumable, List.of("ex-1", "ex-2", "ex-1", "ex-2"));
            atCheckpoint = trainer.logits(PROBES);
        }

        CheckpointManifest read = Checkpoints.readManifest(directory);
        assertEquals("ck-1", read.parentCheckpointId());
        assertEquals(offsets, read.consumedOffsets());
        String key = read.consumedOffsets().firstKey();
        assertEquals("distill.soft-labels", Checkpoints.offsetTopic(key));
        assertEquals(3, Checkpoints.offsetPartition(key));
        assertEquals(List.of("ex-1", "ex-2", "ex-1", "ex-2"), Checkpoints.readAppliedExamples(directory));
        try (DistillationTrainer resumed = new DistillationTrainer(SMALL,
                TrainingSettings.constantRate(0.5f, 2f, 1e-3f, 99), TestData.tokenizer(), Device.cpu())) {
            resumed.resumeFrom(directory);
            float[][] afterResume = resumed.logits(PROBES);
            for (int row = 0; row < PROBES.size(); row++) {
                assertArrayEquals(atCheckpoint[row], afterResume[row], 1e-6f, "logits of probe " + row);
            }
            assertTrue(Float.isFinite(resumed.step(batch).loss()), "the resumed student trains on");
        }
    }

    @Test
    void resumingAnotherArchitectureIsRefused() {
        Path directory;
        try (DistillationTrainer trainer = newTrainer()) {
            directory = trainer.checkpoint(root, manifest(1));
        }
        ModelConfig wider = new ModelConfig(30522, 64, 2, 2, 32, 2);
        try (DistillationTrainer other = new DistillationTrainer(wider, TrainingSettings.constantRate(0.5f, 2f, 1e-3f,
                7), TestData.tokenizer(), Device.cpu())) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> other.resumeFrom(directory));
            assertTrue(error.getMessage().startsWith("cannot resume student"), error.getMessage());
        }
    }

    @Test
    void pathsOutsideTheCheckpointDirectoryAreRefused() throws IOException {
        Path store = Files.createDirectories(root.resolve("store"));
        Path inside;
        try (DistillationTrainer trainer = newTrainer()) {
            inside = trainer.checkpoint(store, manifest(5));
        }
        Path secret = Files.writeString(root.resolve("secret.txt"), "not a checkpoint");
        Files.createSymbolicLink(store.resolve("escape"), root);

        assertEquals(inside.toRealPath(), Checkpoints.confine(store, inside.toString()));
        assertEquals(inside.toRealPath(), Checkpoints.confine(store, inside.getFileName().toString()));
        for (String outside : List.of(secret.toString(), "../secret.txt", inside + "/../../secret.txt", "escape",
                "escape/secret.txt", store.toString(), "/etc")) {
            CheckpointException error = assertThrows(CheckpointException.class,
                    () -> Checkpoints.confine(store, outside), outside);
            assertTrue(error.getMessage().contains("is outside the checkpoint directory"), error.getMessage());
        }
        CheckpointException missing = assertThrows(CheckpointException.class,
                () -> Checkpoints.confine(store, "step-0000000099-none"));
        assertTrue(missing.getMessage().endsWith("does not exist"), missing.getMessage());
    }

    @Test
    void missingCheckpointSaysWhatIsMissing() {
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> Checkpoints.readManifest(root.resolve("nope")));
        assertTrue(error.getMessage().contains("manifest.json"), error.getMessage());
    }

    private static DistillationTrainer newTrainer() {
        return new DistillationTrainer(SMALL, TrainingSettings.constantRate(0.5f, 2f, 1e-3f, 7), TestData.tokenizer(),
                Device.cpu());
    }

    private static CheckpointManifest manifest(long step) {
        TreeMap<String, String> config = new TreeMap<>();
        config.put("train.alpha", "0.5");
        return new CheckpointManifest(Checkpoints.FORMAT_VERSION, "ck-" + step, "run-1", step, step * 2,
                Instant.now().toString(), SMALL, config, null, 0.0);
    }
}
