package dev.distill.local.bench;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.evaluation.ClassificationMetrics;
import dev.distill.core.evaluation.HeldOutEvaluation;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.ParameterCount;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import dev.distill.local.OfflineTraining;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reproduces the README's SST-2 quality table: a teacher trained on train.tsv (or its first {@code --labelled}
 * sentences); students of an eighth of its non-embedding size trained on (1) gold labels only, (2) gold + the
 * teacher's soft labels, (3) the same plus an unlabelled transfer set with soft labels only: the rest of train.tsv
 * when {@code --labelled} leaves some, and {@code --augmented} variants of the labelled sentences
 * ({@link TextAugmentation}); every student over several seeds, scored on dev.tsv. Writes {@code results.json} and
 * {@code results.md} to the output folder.
 */
public final class QualityBenchmark {
    private static final String USAGE = """
            usage: bench/quality [--labelled N] [--transfer N] [--augmented N] [--seeds 1,2,3] [--epochs N]
                                 [--teacher-epochs N]
                                 [--teacher-size HIDDEN,LAYERS,HEADS] [--student-size HIDDEN,LAYERS,HEADS]
                                 [--alpha A] [--temperature T] [--eval-limit N] [--out DIR]
            """;

    /** One trained and scored model. */
    record Scored(String variant, int seed, ClassificationMetrics metrics, long parametersBytes) {
    }

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

    /** Runs the whole benchmark; returns the results that were also written to disk. */
    Map<String, Object> run() {
        long started = System.nanoTime();
        Path outDir = options.outDir("quality");
        Path tokenizer = project.resolve("data/vocab/tokenizer.json");
        Path trainFile = project.resolve("data/sst2/train.tsv");
        List<LabeledText> train = LabeledTsv.read(trainFile, LabelSet.of(trainFile), 0);
        List<LabeledRow> dev = LabeledTsv.readRows(project.resolve("data/sst2/dev.tsv"),
                options.intOption("eval-limit", 0));
        int labelledCount = Math.min(options.intOption("labelled", train.size()), train.size());
        int transferCount = options.intOption("transfer", 0) > 0 ? options.intOption("transfer", 0)
                : train.size() - labelledCount;
        List<LabeledText> labelled = train.subList(0, labelledCount);
        List<LabeledText> transfer = new ArrayList<>(
                train.subList(labelledCount, Math.min(train.size(), labelledCount + transferCount)));
        List<String> augmented = TextAugmentation.variants(labelled.stream().map(LabeledText::text).toList(),
                options.intOption("augmented", 33000), 7);
        // Gold labels of transfer text are never used: the student sees only the teacher's soft labels for it.
        augmented.forEach(text -> transfer.add(new LabeledText(text, 0)));
        int epochs = options.intOption("epochs", 2);
        float alpha = Float.parseFloat(options.option("alpha", "0.5"));
        float temperature = Float.parseFloat(options.option("temperature", "2.0"));
        ModelConfig teacherSize = options.sizeOption("teacher-size", "128,2,4", 64);
        ModelConfig studentSize = options.sizeOption("student-size", "64,1,2", 64);
        List<Integer> seeds = Arrays.stream(options.option("seeds", "1,2,3").split(",")).map(String::strip)
                .map(Integer::parseInt).toList();
        out.printf("SST-2 quality benchmark: %d labelled, %d transfer, %d dev; teacher %s, student %s, seeds %s%n",
                labelled.size(), transfer.size(), dev.size(), teacherSize, studentSize, seeds);

        Path teacherCheckpoint = OfflineTraining.train("teacher", OfflineTraining.goldOnly(labelled), teacherSize,
                schedule(1f, temperature, 42, labelled.size(), options.intOption("teacher-epochs", 1)),
                options.intOption("teacher-epochs", 1), tokenizer, outDir.resolve("teacher"), out);
        Scored teacher = score("teacher", 42, teacherCheckpoint, tokenizer, dev);
        out.printf("teacher accuracy %.4f; labelling %d examples with it%n", teacher.metrics().accuracy(),
                labelled.size() + transfer.size());
        float[][] labelledLogits = teacherLogits(teacherCheckpoint, tokenizer, labelled);
        float[][] transferLogits = teacherLogits(teacherCheckpoint, tokenizer, transfer);

        List<Scored> students = new ArrayList<>();
        for (int seed : seeds) {
            List<SoftLabel> distilled = softLabels(labelled, labelledLogits, true);
            List<SoftLabel> withTransfer = new ArrayList<>(distilled);
            withTransfer.addAll(softLabels(transfer, transferLogits, false));
            Map<String, List<SoftLabel>> variants = new LinkedHashMap<>();
            variants.put("hard-labels", OfflineTraining.goldOnly(labelled));
            variants.put("distilled", distilled);
            variants.put("distilled+transfer", withTransfer);
            for (Map.Entry<String, List<SoftLabel>> variant : variants.entrySet()) {
                float variantAlpha = variant.getKey().equals("hard-labels") ? 1f : alpha;
                String name = variant.getKey() + "-seed" + seed;
                Path checkpoint = OfflineTraining.train(name, variant.getValue(), studentSize,
                        schedule(variantAlpha, temperature, seed, variant.getValue().size(), epochs), epochs,
                        tokenizer, outDir.resolve("students"), out);
                Scored scored = score(variant.getKey(), seed, checkpoint, tokenizer, dev);
                out.printf("  %s: accuracy %.4f%n", name, scored.metrics().accuracy());
                students.add(scored);
            }
        }
        Map<String, Object> results = summarize(teacher, teacherSize, students, studentSize, labelled.size(),
                transfer.size(), dev.size(), seeds, epochs, alpha, temperature);
        results.put("seconds", Math.round((System.nanoTime() - started) / 1e9));
        write(outDir, results);
        return results;
    }

    private Map<String, Object> summarize(Scored teacher, ModelConfig teacherSize, List<Scored> students,
            ModelConfig studentSize, int labelled, int transfer, int dev, List<Integer> seeds, int epochs, float alpha,
            float temperature) {
        ParameterCount teacherParameters = new BertClassifier(teacherSize).parameterCount();
        ParameterCount studentParameters = new BertClassifier(studentSize).parameterCount();
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("teacher", teacherSize, teacherParameters, List.of(teacher), teacher.metrics().accuracy()));
        for (String variant : List.of("hard-labels", "distilled", "distilled+transfer")) {
            rows.add(row(variant, studentSize, studentParameters,
                    students.stream().filter(s -> s.variant().equals(variant)).toList(), teacher.metrics().accuracy()));
        }
        double hard = (double) rows.get(1).get("accuracyMean");
        double bestDistilled = Math.max((double) rows.get(2).get("accuracyMean"),
                (double) rows.get(3).get("accuracyMean"));
        Map<String, Object> checks = new LinkedHashMap<>();
        checks.put("studentNonEmbeddingShareOfTeacher",
                (double) studentParameters.nonEmbedding() / teacherParameters.nonEmbedding());
        checks.put("bestDistilledShareOfTeacherAccuracy", bestDistilled / teacher.metrics().accuracy());
        checks.put("bestDistilledBeatsHardLabels", bestDistilled > hard);

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("dataset", Map.of("labelled", labelled, "transfer", transfer, "dev", dev));
        results.put("settings", Map.of("seeds", seeds, "epochs", epochs, "alpha", alpha, "temperature", temperature,
                "batchSize", OfflineTraining.BATCH_SIZE));
        results.put("rows", rows);
        results.put("checks", checks);
        return results;
    }

    private static Map<String, Object> row(String name, ModelConfig size, ParameterCount parameters,
            List<Scored> runs, double teacherAccuracy) {
        double[] accuracy = runs.stream().mapToDouble(r -> r.metrics().accuracy()).toArray();
        double[] macroF1 = runs.stream().mapToDouble(r -> r.metrics().macroF1()).toArray();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", name);
        row.put("layers", size.layers());
        row.put("hidden", size.hiddenSize());
        row.put("parameters", parameters.total());
        row.put("nonEmbeddingParameters", parameters.nonEmbedding());
        row.put("bytesOnDisk", runs.get(0).parametersBytes());
        row.put("accuracyMean", mean(accuracy));
        row.put("accuracyStd", std(accuracy));
        row.put("macroF1Mean", mean(macroF1));
        row.put("accuracyPerSeed", accuracy);
        row.put("shareOfTeacherAccuracy", mean(accuracy) / teacherAccuracy);
        return row;
    }

    private void write(Path outDir, Map<String, Object> results) {
        StringBuilder table = new StringBuilder();
        table.append("| model | layers x hidden | parameters | non-embedding | size on disk | dev accuracy"
                + " (mean ± sd) | macro-F1 | % of teacher |\n|---|---|---|---|---|---|---|---|\n");
        for (Object item : (List<?>) results.get("rows")) {
            Map<?, ?> row = (Map<?, ?>) item;
            table.append(String.format("| %s | %d x %d | %,d | %,d | %.1f MB | %.4f ± %.4f | %.4f | %.1f%% |%n",
                    row.get("model"), row.get("layers"), row.get("hidden"), row.get("parameters"),
                    row.get("nonEmbeddingParameters"), ((Long) row.get("bytesOnDisk")) / 1e6,
                    row.get("accuracyMean"), row.get("accuracyStd"), row.get("macroF1Mean"),
                    100 * (double) row.get("shareOfTeacherAccuracy")));
        }
        Map<?, ?> checks = (Map<?, ?>) results.get("checks");
        table.append(String.format("%nstudent non-embedding parameters: %.1f%% of the teacher's; best distilled "
                        + "student: %.1f%% of the teacher's accuracy; beats hard labels: %s%n",
                100 * (double) checks.get("studentNonEmbeddingShareOfTeacher"),
                100 * (double) checks.get("bestDistilledShareOfTeacherAccuracy"),
                checks.get("bestDistilledBeatsHardLabels")));
        BenchmarkOptions.writeResults(outDir, results, table.toString(), out);
    }

    private static TrainingSettings schedule(float alpha, float temperature, int seed, int examples, int epochs) {
        int steps = epochs * ((examples + OfflineTraining.BATCH_SIZE - 1) / OfflineTraining.BATCH_SIZE);
        int warmup = Math.max(1, steps / 20);
        return new TrainingSettings(alpha, temperature, 1e-3f, warmup, Math.max(steps, warmup + 1), seed);
    }

    private static List<SoftLabel> softLabels(List<LabeledText> rows, float[][] logits, boolean keepGold) {
        List<SoftLabel> labels = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            labels.add(new SoftLabel((keepGold ? "labelled-" : "transfer-") + i, rows.get(i).text(),
                    keepGold ? rows.get(i).label() : null, logits[i]));
        }
        return labels;
    }

    private static float[][] teacherLogits(Path checkpoint, Path tokenizer, List<LabeledText> rows) {
        float[][] logits = new float[rows.size()][];
        try (TextClassifier teacher = TextClassifier.load(checkpoint, tokenizer, Devices.preferred());
                Predictor<List<String>, float[][]> predictor = teacher.newPredictor()) {
            for (int start = 0; start < rows.size(); start += 128) {
                List<LabeledText> slice = rows.subList(start, Math.min(rows.size(), start + 128));
                float[][] batch = predictor.predict(slice.stream().map(LabeledText::text).toList());
                System.arraycopy(batch, 0, logits, start, batch.length);
            }
        } catch (TranslateException e) {
            throw new IllegalStateException("teacher inference failed: " + e.getMessage(), e);
        }
        return logits;
    }

    private static Scored score(String variant, int seed, Path checkpoint, Path tokenizer, List<LabeledRow> dev) {
        try (TextClassifier model = TextClassifier.load(checkpoint, tokenizer, Devices.preferred())) {
            return new Scored(variant, seed, HeldOutEvaluation.score(model, dev, 128),
                    Files.size(checkpoint.resolve(Checkpoints.PARAMETERS)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    /** Sample standard deviation; 0 for a single run. */
    private static double std(double[] values) {
        if (values.length < 2) {
            return 0;
        }
        double mean = mean(values);
        return Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (values.length - 1));
    }
}
