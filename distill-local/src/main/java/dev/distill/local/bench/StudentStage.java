package dev.distill.local.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.evaluation.ClassificationMetrics;
import dev.distill.core.evaluation.HeldOutEvaluation;
import dev.distill.core.evaluation.HeldOutSet;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.pretrained.ModelSource;
import dev.distill.core.training.LayerMatching;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import dev.distill.local.OfflineTraining;
import dev.distill.local.StudentPruning;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Trains and scores the students of the quality table, each cached under a key of everything that makes it (its
 * recipe, the teacher, the examples), so a rerun that changes one student redoes only that one.
 */
final class StudentStage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCORE = "score.json";

    private final Path teacher;
    private final Path tokenizer;
    private final HeldOutSet dev;
    private final Path cacheRoot;
    private final PrintStream out;

    StudentStage(Path teacher, Path tokenizer, HeldOutSet dev, Path cacheRoot, PrintStream out) {
        this.teacher = teacher;
        this.tokenizer = tokenizer;
        this.dev = dev;
        this.cacheRoot = cacheRoot;
        this.out = out;
    }

    /**
     * How one student is made.
     *
     * @param variant        the table row it belongs to
     * @param size           its size
     * @param fromTeacher    whether it starts from every {@code stride}-th teacher layer (else from random weights)
     * @param stride         the layer stride
     * @param settings       loss weights, learning-rate schedule and seed
     * @param epochs         passes over the examples
     * @param matching       intermediate-layer distillation, or null
     * @param initFrom       a checkpoint of the same size to start from (a pruned student), or null
     */
    record Recipe(String variant, ModelConfig size, boolean fromTeacher, int stride, TrainingSettings settings,
            int epochs, LayerMatching matching, Path initFrom) {

        /** The same recipe starting from the checkpoint's weights (layer for layer). */
        Recipe startingFrom(Path checkpoint) {
            return new Recipe(variant, size, false, 1, settings, epochs, matching, checkpoint);
        }
    }

    /** A trained and scored model. */
    record Scored(String variant, int seed, ClassificationMetrics metrics, Path checkpoint) {
    }

    /** The student this recipe makes from these examples: from the cache, or trained and scored now. */
    Scored obtain(Recipe recipe, List<SoftLabel> examples) {
        String name = recipe.variant() + "-seed" + recipe.settings().seed();
        Path directory = cacheRoot.resolve("student-" + name + "-" + key(recipe, examples));
        Optional<Path> cached = Checkpoints.newestValid(directory, reason -> out.println("  " + reason));
        if (cached.isPresent() && Files.isRegularFile(directory.resolve(SCORE))) {
            ClassificationMetrics metrics = readScore(directory);
            out.printf("  %s: cached, accuracy %.4f%n", name, metrics.accuracy());
            return new Scored(recipe.variant(), recipe.settings().seed(), metrics, cached.get());
        }
        out.printf("  %s: training %s on %,d examples%n", name, recipe.size(), examples.size());
        Path checkpoint = OfflineTraining.train(name, examples, recipe.size(), recipe.settings(), recipe.epochs(),
                tokenizer, directory, out, recipe.matching(), trainer -> {
                    Path source = recipe.initFrom() != null ? recipe.initFrom() : recipe.fromTeacher() ? teacher
                            : null;
                    if (source != null) {
                        try (NDManager scratch = NDManager.newBaseManager()) {
                            trainer.initializeFrom(ModelSource.read(source.toString(), scratch,
                                    recipe.size().maxLength()), recipe.stride());
                        }
                    }
                });
        Scored scored = score(recipe.variant(), recipe.settings().seed(), checkpoint);
        writeScore(directory, scored.metrics());
        out.printf("  %s: accuracy %.4f, macro-F1 %.4f%n", name, scored.metrics().accuracy(),
                scored.metrics().macroF1());
        return scored;
    }

    /**
     * The student cut down by structured pruning ({@link StudentPruning}): head and neuron importance from the
     * gradients of its loss on {@code batches} batches of the examples, then its {@code heads} most important heads
     * and {@code neurons} most important neurons in every layer. Cached like the students; not yet recovered.
     */
    Scored prune(Scored student, TrainingSettings settings, List<SoftLabel> examples, int batches, int heads,
            int neurons) {
        String name = "pruned-" + heads + "-heads-" + neurons + "-neurons-seed" + settings.seed();
        String key = Sha256.of((Checkpoints.readManifest(student.checkpoint()).parametersSha256() + "\n" + batches
                + "\n" + examples.size()).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        Path directory = cacheRoot.resolve(name + "-" + key);
        Optional<Path> cached = Checkpoints.newestValid(directory, reason -> out.println("  " + reason));
        if (cached.isPresent() && Files.isRegularFile(directory.resolve(SCORE))) {
            ClassificationMetrics metrics = readScore(directory);
            out.printf("  %s: cached, accuracy %.4f before recovery%n", name, metrics.accuracy());
            return new Scored("pruned-before-recovery", settings.seed(), metrics, cached.get());
        }
        out.printf("  %s: importance of heads and neurons on %d batches%n", name, batches);
        Path checkpoint = StudentPruning.prune(student.checkpoint(), examples, settings, batches, heads, neurons,
                tokenizer, directory, name);
        Scored scored = score("pruned-before-recovery", settings.seed(), checkpoint);
        writeScore(directory, scored.metrics());
        out.printf("  %s: accuracy %.4f before recovery%n", name, scored.metrics().accuracy());
        return scored;
    }

    /** Scores a checkpoint on the held-out rows. */
    Scored score(String variant, int seed, Path checkpoint) {
        try (TextClassifier model = TextClassifier.load(checkpoint, tokenizer, Devices.preferred())) {
            return new Scored(variant, seed, HeldOutEvaluation.score(model, dev, 128), checkpoint);
        }
    }

    private String key(Recipe recipe, List<SoftLabel> examples) {
        StringBuilder input = new StringBuilder(Checkpoints.readManifest(teacher).parametersSha256());
        input.append('\n').append(recipe.variant()).append('\n').append(recipe.size()).append('\n')
                .append(recipe.fromTeacher()).append(' ').append(recipe.stride()).append(' ').append(recipe.epochs())
                .append('\n').append(recipe.settings().asRunConfig());
        if (recipe.initFrom() != null) {
            input.append("\ninit ").append(Checkpoints.readManifest(recipe.initFrom()).parametersSha256());
        }
        if (recipe.matching() != null) {
            input.append('\n').append(Arrays.toString(recipe.matching().studentLayers()))
                    .append(Arrays.toString(recipe.matching().teacherLayers())).append(recipe.matching().weight());
        }
        for (SoftLabel example : examples) {
            input.append('\n').append(example.exampleId()).append('\t').append(example.text()).append('\t')
                    .append(example.label());
        }
        return Sha256.of(input.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    private static ClassificationMetrics readScore(Path directory) {
        try {
            return JSON.readValue(directory.resolve(SCORE).toFile(), ClassificationMetrics.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory.resolve(SCORE) + " (delete " + directory
                    + " to retrain)", e);
        }
    }

    private static void writeScore(Path directory, ClassificationMetrics metrics) {
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(directory.resolve(SCORE).toFile(), metrics);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + directory.resolve(SCORE), e);
        }
    }
}
