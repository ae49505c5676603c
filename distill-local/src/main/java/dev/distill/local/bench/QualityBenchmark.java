package dev.distill.local.bench;

import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.evaluation.HeldOutSet;
import dev.distill.core.evaluation.Latency;
import dev.distill.core.evaluation.OnnxEvaluation;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.StudentSizing;
import dev.distill.core.training.LayerMatching;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import dev.distill.local.FineTunedTeacher;
import dev.distill.local.OfflineTraining;
import dev.distill.local.Project;
import dev.distill.local.StudentPruning;
import dev.distill.local.bench.StudentStage.Recipe;
import dev.distill.local.bench.StudentStage.Scored;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The quality table on any labelled data set ({@code --data DIR} with {@code train.tsv} and {@code dev.tsv}): a
 * teacher fine-tuned from pretrained weights ({@link FineTunedTeacher}), and students with a quarter of its
 * non-embedding parameters (every k-th teacher layer, the feed-forward blocks narrowed to their most important
 * neurons) trained on gold labels only and distilled (alpha CE + (1 - alpha) T^2 KL) over several seeds, plus one
 * seed each of distillation with hidden-state transfer, with an unlabelled transfer set, and from random weights.
 * Each distilled student is also pruned to half its non-embedding parameters and recovered by distillation. The
 * teacher and the first distilled and pruned students are also exported to ONNX with float and int8 weights and
 * scored and timed in ONNX Runtime. Every stage is cached ({@code --cache}): a rerun that changes only the students
 * does not redo the teacher.
 * Writes {@code results.json} and {@code results.md}.
 */
public final class QualityBenchmark {
    static final String USAGE = """
            usage: bench/quality [--data DIR] [--teacher pretrained:bge-small-en-v1.5] [--teacher-examples N]
                                 [--teacher-epochs auto] [--teacher-learning-rate 5e-5] [--max-length 64]
                                 [--student-layers N] [--student-intermediate N] [--student-examples 40000]
                                 [--epochs auto] [--learning-rate 1e-4] [--alpha 0.5] [--temperature 4]
                                 [--hidden-weight 1] [--augmented N] [--seeds 1,2,3] [--eval-limit N]
                                 [--latency-sentences 200] [--stages teacher,students] [--variants all]
                                 [--prune-heads N] [--prune-batches 64]
                                 [--cache DIR] [--out DIR]
            students: half the teacher's layers (every 2nd) unless --student-layers says otherwise, feed-forward
            blocks as wide as a quarter of the teacher's non-embedding parameters allows; --epochs and
            --teacher-epochs auto: one pass, more on small data sets (at least 16,000 examples seen);
            --augmented: half the student examples; pruned students: each distilled one cut to half its
            non-embedding parameters (--prune-heads: half its heads, then the widest feed-forward block that fits),
            importance from --prune-batches batches, then distilled again to recover
            """;
    private static final int TEACHER_SEED = 42;
    private static final int SCORING_BATCH = 64;
    static final String HARD_LABELS = "hard-labels";
    static final String DISTILLED = "distilled";
    private static final String WITH_HIDDEN_STATES = "distilled+hidden-states";
    private static final String WITH_TRANSFER_SET = "distilled+transfer-set";
    private static final String RANDOM_INIT = "distilled-random-init";
    static final String PRUNED = "pruned";
    private static final List<String> VARIANTS = List.of(HARD_LABELS, DISTILLED, WITH_HIDDEN_STATES,
            WITH_TRANSFER_SET, RANDOM_INIT, PRUNED);

    private final BenchmarkOptions options;
    private final Path project;
    private final PrintStream out;

    QualityBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.project = options.project();
        this.out = out;
    }

    public static void main(String[] args) {
        BenchmarkOptions.main(args, USAGE, options -> new QualityBenchmark(options, System.out).run());
    }

    /** Runs the benchmark; returns the results that were also written to disk. */
    Map<String, Object> run() {
        long started = System.nanoTime();
        Set<String> variants = variants();
        Path outDir = options.outDir("quality");
        Path cache = Path.of(options.option("cache", project.resolve("target/bench/cache").toString()));
        Path tokenizer = Project.tokenizer(project);
        Path data = project.resolve(options.option("data", "data/sst2"));
        Path trainFile = data.resolve("train.tsv");
        HeldOutSet dev = HeldOutSet.read(data.resolve("dev.tsv"), options.intOption("eval-limit", 0));
        int maxLength = options.intOption("max-length", 64);

        int teacherExamples = options.intOption("teacher-examples", 0);
        List<LabeledText> trainRows = LabeledTsv.read(trainFile, LabelSet.of(trainFile), 0);
        int teacherPasses = options.passesOption("teacher-epochs",
                teacherExamples > 0 ? Math.min(teacherExamples, trainRows.size()) : trainRows.size());
        Path teacher = new FineTunedTeacher(options.option("teacher", "pretrained:bge-small-en-v1.5"), trainFile,
                teacherExamples, teacherPasses,
                floatOption("teacher-learning-rate", "5e-5"), maxLength, TEACHER_SEED).obtain(tokenizer, cache, out);
        StudentStage students = new StudentStage(teacher, tokenizer, dev, cache, out);
        Scored teacherScore = students.score("teacher", TEACHER_SEED, teacher);
        out.printf("teacher: accuracy %.4f, macro-F1 %.4f on %d dev rows%n", teacherScore.metrics().accuracy(),
                teacherScore.metrics().macroF1(), dev.size());
        List<Scored> scored = List.of(options.option("stages", "teacher,students").split(",")).contains("students")
                ? trainStudents(teacher, trainRows, tokenizer, cache, students, variants) : List.of();

        Map<String, Latency> latencies = new LinkedHashMap<>();
        List<String> devTexts = dev.texts();
        int single = options.intOption("latency-sentences", 200);
        for (Scored model : concat(teacherScore, scored)) {
            String size = Checkpoints.readManifest(model.checkpoint()).model().toString();
            latencies.computeIfAbsent(size, key -> Latency.measure(model.checkpoint(), tokenizer, devTexts, single));
        }
        Map<String, List<OnnxEvaluation>> exports = new LinkedHashMap<>();
        List<Scored> shipped = new ArrayList<>();
        for (String variant : List.of(DISTILLED, PRUNED)) {
            scored.stream().filter(s -> s.variant().equals(variant)).findFirst().ifPresent(shipped::add);
        }
        for (Scored model : concat(teacherScore, shipped)) {
            out.printf("%s: exporting to ONNX (float, int8) and scoring in ONNX Runtime%n", model.variant());
            exports.put(model.variant(), OnnxEvaluation.of(model.checkpoint(), tokenizer, dev, devTexts, single,
                    SCORING_BATCH));
        }
        Map<String, Object> results = new LinkedHashMap<>();
        // relative to the project when inside it, so that results files name no machine's folders
        results.put("data", data.startsWith(project) ? project.relativize(data).toString() : data.toString());
        results.put("options", options.values());
        results.putAll(QualityReport.summarize(teacherScore, scored, latencies, exports));
        results.put("seconds", Math.round((System.nanoTime() - started) / 1e9));
        BenchmarkOptions.writeResults(outDir, results, QualityReport.table(results), out);
        return results;
    }

    private List<Scored> trainStudents(Path teacher, List<LabeledText> trainRows, Path tokenizer, Path cache,
            StudentStage students, Set<String> variants) {
        ModelConfig teacherSize = Checkpoints.readManifest(teacher).model();
        int layers = options.intOption("student-layers", StudentSizing.halfDepth(teacherSize).layers());
        int stride = Math.max(1, teacherSize.layers() / layers);
        ModelConfig size = teacherSize.withLayers(layers).withIntermediateSize(options.intOption(
                "student-intermediate", StudentSizing.quarterOf(teacherSize, layers).intermediateSize()));
        List<LabeledText> rows = new ArrayList<>(trainRows);
        Collections.shuffle(rows, new Random(7));
        rows = rows.subList(0, Math.min(rows.size(), options.intOption("student-examples", 40000)));
        List<String> augmented = TextAugmentation.variants(rows.stream().map(LabeledText::text).toList(),
                options.intOption("augmented", rows.size() / 2), 7);
        // student layer i (from 1) learns teacher layer i * stride: the one its own layers end on (PKD-skip)
        int[] teacherLayers = IntStream.rangeClosed(1, layers).map(i -> i * stride).toArray();
        List<String> texts = new ArrayList<>(rows.stream().map(LabeledText::text).toList());
        texts.addAll(augmented);
        TeacherOutputs outputs = TeacherOutputs.of(teacher, tokenizer, texts, teacherLayers, cache, out);

        List<SoftLabel> gold = new ArrayList<>();
        List<SoftLabel> soft = new ArrayList<>();
        List<SoftLabel> softWithStates = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            LabeledText row = rows.get(i);
            gold.add(new SoftLabel("row-" + i, row.text(), row.label(), null));
            soft.add(new SoftLabel("row-" + i, row.text(), row.label(), outputs.logits()[i]));
            softWithStates.add(new SoftLabel("row-" + i, row.text(), row.label(), outputs.logits()[i],
                    outputs.hidden()[i]));
        }
        List<SoftLabel> withTransfer = new ArrayList<>(soft);
        for (int i = 0; i < augmented.size(); i++) {
            // gold labels of transfer text are never used: the student sees only the teacher's soft labels for it
            withTransfer.add(new SoftLabel("transfer-" + i, augmented.get(i), null, outputs.logits()[rows.size() + i]));
        }
        out.printf("students: %s (every %d. teacher layer), %,d examples, %,d transfer texts%n", size, stride,
                rows.size(), augmented.size());

        List<Integer> seeds = Arrays.stream(options.option("seeds", "1,2,3").split(",")).map(String::strip)
                .map(Integer::parseInt).toList();
        float alpha = floatOption("alpha", "0.5");
        LayerMatching matching = new LayerMatching(IntStream.rangeClosed(1, layers).toArray(), teacherLayers,
                teacherSize.hiddenSize(), floatOption("hidden-weight", "1"));
        List<Scored> scored = new ArrayList<>();
        for (int seed : seeds) {
            if (variants.contains(HARD_LABELS)) {
                scored.add(students.obtain(recipe(HARD_LABELS, size, true, stride, 1f, seed, gold, null), gold));
            }
            if (variants.contains(DISTILLED)) {
                scored.add(students.obtain(recipe(DISTILLED, size, true, stride, alpha, seed, soft, null), soft));
            }
        }
        int first = seeds.get(0);
        if (variants.contains(WITH_HIDDEN_STATES)) {
            scored.add(students.obtain(recipe(WITH_HIDDEN_STATES, size, true, stride, alpha, first, softWithStates,
                    matching), softWithStates));
        }
        if (variants.contains(WITH_TRANSFER_SET)) {
            scored.add(students.obtain(recipe(WITH_TRANSFER_SET, size, true, stride, alpha, first, withTransfer,
                    null), withTransfer));
        }
        if (variants.contains(RANDOM_INIT)) {
            scored.add(students.obtain(recipe(RANDOM_INIT, size, false, stride, alpha, first, soft, null), soft));
        }
        if (variants.contains(PRUNED)) {
            scored.addAll(pruneStudents(students, scored, size, alpha, soft));
        }
        // rows in table order: variants as listed above, each over its seeds
        Map<String, List<Scored>> byVariant = scored.stream().collect(Collectors.groupingBy(Scored::variant,
                LinkedHashMap::new, Collectors.toList()));
        return byVariant.values().stream().flatMap(List::stream).toList();
    }

    /**
     * Each distilled student pruned to half its non-embedding parameters (half its heads by default, then the widest
     * feed-forward block that fits) and recovered by the same distillation it was trained with.
     */
    private List<Scored> pruneStudents(StudentStage students, List<Scored> scored, ModelConfig size, float alpha,
            List<SoftLabel> soft) {
        List<Scored> distilled = scored.stream().filter(s -> s.variant().equals(DISTILLED)).toList();
        if (distilled.isEmpty()) {
            throw new IllegalArgumentException("--variants " + PRUNED + " needs " + DISTILLED + " too: the pruned "
                    + "students are cut from the distilled ones");
        }
        int heads = options.intOption("prune-heads", Math.max(1, size.heads() / 2));
        int neurons = StudentSizing.halfAfterPruning(size, heads);
        ModelConfig prunedSize = size.withHeads(heads).withIntermediateSize(neurons);
        List<Scored> pruned = new ArrayList<>();
        for (Scored student : distilled) {
            Recipe recovery = recipe(PRUNED, prunedSize, false, 1, alpha, student.seed(), soft, null);
            Scored cut = students.prune(student, recovery.settings(), soft, options.intOption("prune-batches", 64),
                    heads, neurons);
            pruned.add(students.obtain(recovery.startingFrom(cut.checkpoint()), soft));
        }
        return pruned;
    }

    private Recipe recipe(String variant, ModelConfig size, boolean fromTeacher, int stride, float alpha, int seed,
            List<SoftLabel> examples, LayerMatching matching) {
        int epochs = options.passesOption("epochs", examples.size());
        int steps = epochs * ((examples.size() + OfflineTraining.BATCH_SIZE - 1) / OfflineTraining.BATCH_SIZE);
        int warmup = Math.max(1, steps / 10);
        TrainingSettings settings = new TrainingSettings(alpha, floatOption("temperature", "4"),
                floatOption("learning-rate", "1e-4"), warmup, Math.max(steps, warmup + 1), seed);
        return new Recipe(variant, size, fromTeacher, stride, settings, epochs, matching, null);
    }

    /** The rows {@code --variants} asks for (a comma-separated subset of {@link #VARIANTS}; default all). */
    private Set<String> variants() {
        String option = options.option("variants", "all");
        if (option.equals("all")) {
            return new LinkedHashSet<>(VARIANTS);
        }
        Set<String> chosen = new LinkedHashSet<>();
        for (String variant : option.split(",")) {
            if (!VARIANTS.contains(variant.strip())) {
                throw new IllegalArgumentException("--variants takes a comma-separated list of " + VARIANTS
                        + " (or all), got " + variant);
            }
            chosen.add(variant.strip());
        }
        return chosen;
    }

    private float floatOption(String name, String fallback) {
        try {
            return Float.parseFloat(options.option(name, fallback));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a number, got " + options.option(name, fallback));
        }
    }

    private static List<Scored> concat(Scored first, List<Scored> rest) {
        List<Scored> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }
}
