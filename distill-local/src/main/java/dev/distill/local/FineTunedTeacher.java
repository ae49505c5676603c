package dev.distill.local;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.pretrained.ModelSource;
import dev.distill.core.training.TrainingSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A teacher fine-tuned here from pretrained weights (e.g. {@code pretrained:bge-small-en-v1.5}) on gold labels of a
 * labelled TSV: all of the source's layers, a new classifier for the TSV's classes, Adam with linear warm-up (a
 * tenth of the steps) and decay. Fine-tuning takes long on a CPU, so the checkpoint is cached under a key
 * of everything that determines it (the recipe and the training file's sha-256), and later runs reuse it.
 *
 * @param source       the pretrained weights, as {@code train.init-from} names them
 * @param trainFile    the labelled TSV
 * @param examples     how many of its rows (shuffled with the seed) to fine-tune on; 0: all
 * @param epochs       passes over them
 * @param learningRate peak learning rate
 * @param maxLength    tokens read per text
 * @param seed         shuffles the rows and the batches, initialises the classifier
 */
public record FineTunedTeacher(String source, Path trainFile, int examples, int epochs, float learningRate,
        int maxLength, int seed) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The teacher's checkpoint: from {@code cacheRoot} when this recipe was fine-tuned before, else fine-tuned now
     * (with progress and the time left on {@code out}) and cached.
     */
    public Path obtain(Path tokenizer, Path cacheRoot, PrintStream out) {
        Path cached = cacheRoot.resolve("teacher-" + key().substring(0, 16));
        Optional<Path> checkpoint = Checkpoints.newestValid(cached, reason -> out.println("  " + reason));
        if (checkpoint.isPresent()) {
            out.println("teacher: cached fine-tuned " + source + " at " + checkpoint.get());
            return checkpoint.get();
        }
        LabelSet labels = LabelSet.of(trainFile);
        List<LabeledText> rows = new ArrayList<>(LabeledTsv.read(trainFile, labels, 0));
        Collections.shuffle(rows, new Random(seed));
        List<LabeledText> chosen = examples > 0 && examples < rows.size() ? rows.subList(0, examples) : rows;
        int steps = epochs * ((chosen.size() + OfflineTraining.BATCH_SIZE - 1) / OfflineTraining.BATCH_SIZE);
        TrainingSettings schedule = new TrainingSettings(1f, 1f, learningRate, Math.max(1, steps / 10),
                Math.max(steps, steps / 10 + 2), seed);
        try (NDManager scratch = NDManager.newBaseManager()) {
            ModelSource pretrained = ModelSource.read(source, scratch, maxLength);
            ModelConfig model = pretrained.modelWith(null, maxLength, labels.names());
            out.printf("teacher: fine-tuning %s (%s) on %,d examples of %s, %d epoch(s), learning rate %s; cached "
                    + "in %s%n", source, model, chosen.size(), trainFile, epochs, learningRate, cached);
            writeRecipe(cached);
            return OfflineTraining.train("teacher", OfflineTraining.goldOnly(chosen), model, schedule, epochs,
                    tokenizer, cached, out, null, trainer -> trainer.initializeFrom(pretrained, 1));
        }
    }

    /** sha-256 of the recipe and of the training file's contents. */
    String key() {
        try {
            return Sha256.of(JSON.writeValueAsBytes(recipe()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Object> recipe() throws IOException {
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("source", source);
        recipe.put("trainFileSha256", Sha256.of(trainFile));
        recipe.put("examples", examples);
        recipe.put("epochs", epochs);
        recipe.put("learningRate", learningRate);
        recipe.put("maxLength", maxLength);
        recipe.put("seed", seed);
        recipe.put("batchSize", OfflineTraining.BATCH_SIZE);
        return recipe;
    }

    private void writeRecipe(Path directory) {
        try {
            Files.createDirectories(directory);
            JSON.writerWithDefaultPrettyPrinter().writeValue(directory.resolve("recipe.json").toFile(), recipe());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + directory.resolve("recipe.json"), e);
        }
    }
}
