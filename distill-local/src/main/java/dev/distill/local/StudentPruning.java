package dev.distill.local;

import ai.djl.ndarray.NDManager;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.pretrained.ModelSource;
import dev.distill.core.pruning.StructuredPruning;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;

/** A student checkpoint cut down by {@link StructuredPruning} into a new checkpoint, ready to recover. */
public final class StudentPruning {
    private StudentPruning() {
    }

    /**
     * Measures head and neuron importance on {@code batches} batches of the examples (shuffled by the settings' seed;
     * the loss is the settings' alpha CE + (1 - alpha) T^2 KL), keeps the {@code heads} most important heads and
     * {@code neurons} most important neurons of every layer, and writes the result under {@code root}.
     *
     * @return the pruned checkpoint
     */
    public static Path prune(Path checkpoint, List<SoftLabel> examples, TrainingSettings settings, int batches,
            int heads, int neurons, Path tokenizer, Path root, String name) {
        ModelConfig size = Checkpoints.readManifest(checkpoint).model();
        StructuredPruning.Importance importance = StructuredPruning.Importance.none(size);
        List<SoftLabel> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(settings.seed()));
        try (DistillationTrainer trainer = new DistillationTrainer(size, settings, tokenizer, Devices.preferred());
                NDManager scratch = NDManager.newBaseManager()) {
            trainer.initializeFrom(ModelSource.read(checkpoint.toString(), scratch, size.maxLength()), 1);
            for (int batch = 0; batch < batches; batch++) {
                int from = batch * OfflineTraining.BATCH_SIZE % shuffled.size();
                trainer.addImportance(shuffled.subList(from, Math.min(shuffled.size(),
                        from + OfflineTraining.BATCH_SIZE)), importance);
            }
        }
        try (NDManager scratch = NDManager.newBaseManager()) {
            StructuredPruning.Pruned pruned = StructuredPruning.prune(size, Checkpoints.readWeights(checkpoint,
                    scratch), importance, heads, neurons);
            SortedMap<String, String> config = new TreeMap<>(settings.asRunConfig());
            config.put("prune.source", checkpoint.toAbsolutePath().toString());
            config.put("prune.importance-batches", String.valueOf(batches));
            return Checkpoints.write(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, name, "pruned", 0, 0,
                    Instant.now().toString(), pruned.config(), config, null, 0), pruned.model(scratch), List.of());
        }
    }

}
