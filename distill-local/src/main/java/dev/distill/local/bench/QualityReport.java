package dev.distill.local.bench;

import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.evaluation.Latency;
import dev.distill.core.evaluation.ModelFigures;
import dev.distill.core.evaluation.OnnxEvaluation;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.OnnxPrecision;
import dev.distill.local.bench.StudentStage.Scored;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The quality table: one row per model (students over their seeds), and the checks the table supports. */
final class QualityReport {
    private QualityReport() {
    }

    /**
     * @param students  every scored student, grouped into rows by variant in the order they first appear
     * @param latencies latency per model size ({@link ModelConfig#toString})
     * @param exports   ONNX exports (float, int8) of some models, by row name
     */
    static Map<String, Object> summarize(Scored teacher, List<Scored> students, Map<String, Latency> latencies,
            Map<String, List<OnnxEvaluation>> exports) {
        ModelConfig teacherSize = Checkpoints.readManifest(teacher.checkpoint()).model();
        Latency teacherLatency = latencies.get(teacherSize.toString());
        double teacherAccuracy = teacher.metrics().accuracy();
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row(List.of(teacher), teacherAccuracy, teacherLatency, latencies));
        students.stream().map(Scored::variant).distinct().forEach(variant -> rows.add(row(
                students.stream().filter(s -> s.variant().equals(variant)).toList(), teacherAccuracy, teacherLatency,
                latencies)));
        Map<String, Object> results = new LinkedHashMap<>();
        List<Map<String, Object>> exportRows = new ArrayList<>();
        exports.forEach((model, evaluations) -> evaluations.forEach(e -> exportRows.add(exportRow(model, e))));
        results.put("rows", rows);
        results.put("onnx", exportRows);
        Map<String, Object> checks = checks(rows);
        checks.putAll(pruningChecks(rows));
        checks.putAll(int8Checks(exportRows));
        results.put("checks", checks);
        return results;
    }

    private static Map<String, Object> exportRow(String model, OnnxEvaluation evaluation) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", model);
        row.put("precision", evaluation.precision().id());
        row.put("bytesOnDisk", evaluation.sizeBytes());
        row.put("linearWeightBytes", evaluation.linearWeightBytes());
        row.put("accuracy", evaluation.metrics().accuracy());
        row.put("macroF1", evaluation.metrics().macroF1());
        row.put("millisPerSentenceAtBatch1", evaluation.latency().millisAtBatch1());
        row.put("millisPerSentenceAtBatch1P95", evaluation.latency().millisAtBatch1P95());
        row.put("sentencesPerSecondAtBatch32", evaluation.latency().sentencesPerSecond());
        return row;
    }

    /** The pruned students against the distilled ones they were cut from. */
    private static Map<String, Object> pruningChecks(List<Map<String, Object>> rows) {
        Map<String, Object> checks = new LinkedHashMap<>();
        Map<String, Object> distilled = byModel(rows, QualityBenchmark.DISTILLED);
        Map<String, Object> pruned = byModel(rows, QualityBenchmark.PRUNED);
        if (distilled != null && pruned != null) {
            checks.put("prunedNonEmbeddingShareOfDistilled", (double) (long) pruned.get("nonEmbeddingParameters")
                    / (long) distilled.get("nonEmbeddingParameters"));
            checks.put("prunedShareOfDistilledAccuracy", (double) pruned.get("accuracyMean")
                    / (double) distilled.get("accuracyMean"));
        }
        return checks;
    }

    /** The distilled student with int8 weights against float, both in ONNX Runtime. */
    private static Map<String, Object> int8Checks(List<Map<String, Object>> exportRows) {
        Map<String, Object> checks = new LinkedHashMap<>();
        Map<String, Object> fp32 = exportOf(exportRows, OnnxPrecision.FP32);
        Map<String, Object> int8 = exportOf(exportRows, OnnxPrecision.INT8);
        if (fp32 != null && int8 != null) {
            checks.put("int8LinearWeightsSmallerBy", (double) (long) fp32.get("linearWeightBytes")
                    / (long) int8.get("linearWeightBytes"));
            checks.put("int8AccuracyLossPoints", 100 * ((double) fp32.get("accuracy")
                    - (double) int8.get("accuracy")));
            checks.put("int8SpeedUpAtBatch1", (double) fp32.get("millisPerSentenceAtBatch1")
                    / (double) int8.get("millisPerSentenceAtBatch1"));
        }
        return checks;
    }

    private static Map<String, Object> exportOf(List<Map<String, Object>> exportRows, OnnxPrecision precision) {
        return exportRows.stream().filter(row -> row.get("model").equals(QualityBenchmark.DISTILLED)
                && row.get("precision").equals(precision.id())).findFirst().orElse(null);
    }

    /** The acceptance figures: the student's share of the teacher, and distillation against hard labels. */
    private static Map<String, Object> checks(List<Map<String, Object>> rows) {
        Map<String, Object> checks = new LinkedHashMap<>();
        Map<String, Object> teacher = rows.get(0);
        Map<String, Object> hard = byModel(rows, QualityBenchmark.HARD_LABELS);
        Map<String, Object> distilled = byModel(rows, QualityBenchmark.DISTILLED);
        if (hard == null || distilled == null) {
            return checks;
        }
        checks.put("studentNonEmbeddingShareOfTeacher", (double) (long) distilled.get("nonEmbeddingParameters")
                / (long) teacher.get("nonEmbeddingParameters"));
        checks.put("distilledShareOfTeacherAccuracy", distilled.get("shareOfTeacherAccuracy"));
        double[] hardPerSeed = (double[]) hard.get("accuracyPerSeed");
        double[] distilledPerSeed = (double[]) distilled.get("accuracyPerSeed");
        boolean everySeed = hardPerSeed.length == distilledPerSeed.length;
        for (int i = 0; everySeed && i < hardPerSeed.length; i++) {
            everySeed = distilledPerSeed[i] > hardPerSeed[i];
        }
        checks.put("distilledBeatsHardLabelsOnEverySeed", everySeed);
        return checks;
    }

    private static Map<String, Object> byModel(List<Map<String, Object>> rows, String model) {
        return rows.stream().filter(row -> row.get("model").equals(model)).findFirst().orElse(null);
    }

    private static Map<String, Object> row(List<Scored> runs, double teacherAccuracy, Latency teacherLatency,
            Map<String, Latency> latencies) {
        ModelFigures figures = ModelFigures.of(runs.get(0).checkpoint());
        ModelConfig size = figures.size();
        double[] accuracy = runs.stream().mapToDouble(r -> r.metrics().accuracy()).toArray();
        double[] macroF1 = runs.stream().mapToDouble(r -> r.metrics().macroF1()).toArray();
        Latency latency = latencies.get(size.toString());
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", runs.get(0).variant());
        row.put("layers", size.layers());
        row.put("hidden", size.hiddenSize());
        row.put("heads", size.heads());
        row.put("intermediate", size.intermediateSize());
        row.put("parameters", figures.parameters());
        row.put("nonEmbeddingParameters", figures.nonEmbeddingParameters());
        row.put("bytesOnDisk", figures.bytesOnDisk());
        row.put("seeds", runs.stream().mapToInt(Scored::seed).toArray());
        row.put("accuracyMean", mean(accuracy));
        row.put("accuracyStd", std(accuracy));
        row.put("accuracyPerSeed", accuracy);
        row.put("macroF1Mean", mean(macroF1));
        row.put("shareOfTeacherAccuracy", mean(accuracy) / teacherAccuracy);
        row.put("millisPerSentenceAtBatch1", latency.millisAtBatch1());
        row.put("sentencesPerSecondAtBatch32", latency.sentencesPerSecond());
        row.put("speedUpAtBatch1", teacherLatency.millisAtBatch1() / latency.millisAtBatch1());
        row.put("speedUpAtBatch32", latency.sentencesPerSecond() / teacherLatency.sentencesPerSecond());
        return row;
    }

    /** The Markdown table of the rows and checks. */
    static String table(Map<String, Object> results) {
        StringBuilder table = new StringBuilder();
        table.append("| model | layers x hidden (FFN) | parameters | non-embedding | size on disk | dev accuracy"
                + " (mean ± sd) | seeds | macro-F1 | % of teacher | ms/sentence (batch 1) | sentences/s (batch 32)"
                + " | speed-up (1 / 32) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Object item : (List<?>) results.get("rows")) {
            Map<?, ?> row = (Map<?, ?>) item;
            String heads = row.get("model").equals(QualityBenchmark.PRUNED) ? ", " + row.get("heads") + " heads" : "";
            table.append(String.format("| %s | %d x %d (%d)%s | %,d | %,d | %.1f MB | %.4f ± %.4f | %d | %.4f "
                            + "| %.1f%% | %.1f | %.0f | %.1fx / %.1fx |%n", row.get("model"), row.get("layers"),
                    row.get("hidden"), row.get("intermediate"), heads, row.get("parameters"),
                    row.get("nonEmbeddingParameters"), (long) row.get("bytesOnDisk") / 1e6, row.get("accuracyMean"),
                    row.get("accuracyStd"), ((int[]) row.get("seeds")).length, row.get("macroF1Mean"),
                    100 * (double) row.get("shareOfTeacherAccuracy"), row.get("millisPerSentenceAtBatch1"),
                    row.get("sentencesPerSecondAtBatch32"), row.get("speedUpAtBatch1"),
                    row.get("speedUpAtBatch32")));
        }
        List<?> exports = (List<?>) results.get("onnx");
        if (!exports.isEmpty()) {
            table.append("\nExported to ONNX, run in ONNX Runtime (float and int8 weights, dynamic quantisation):"
                    + "\n\n"
                    + "| model | weights | size on disk | linear weights | dev accuracy | macro-F1 "
                    + "| ms/sentence (batch 1, p50 / p95) | sentences/s (batch 32) |\n"
                    + "|---|---|---|---|---|---|---|---|\n");
            for (Object item : exports) {
                Map<?, ?> row = (Map<?, ?>) item;
                table.append(String.format("| %s | %s | %.1f MB | %.1f MB | %.4f | %.4f | %.1f / %.1f | %.0f |%n",
                        row.get("model"), row.get("precision"), (long) row.get("bytesOnDisk") / 1e6,
                        (long) row.get("linearWeightBytes") / 1e6, row.get("accuracy"), row.get("macroF1"),
                        row.get("millisPerSentenceAtBatch1"), row.get("millisPerSentenceAtBatch1P95"),
                        row.get("sentencesPerSecondAtBatch32")));
            }
        }
        Map<?, ?> checks = (Map<?, ?>) results.get("checks");
        if (checks.containsKey("int8LinearWeightsSmallerBy")) {
            table.append(String.format("%nint8 distilled student: linear weights %.2fx smaller, accuracy %+.2f points "
                            + "against float, %.2fx as fast at batch 1%n", checks.get("int8LinearWeightsSmallerBy"),
                    0.0 - (double) checks.get("int8AccuracyLossPoints"), checks.get("int8SpeedUpAtBatch1")));
        }
        if (checks.containsKey("prunedShareOfDistilledAccuracy")) {
            table.append(String.format("%npruned students: %.1f%% of the distilled student's non-embedding parameters, "
                            + "%.1f%% of its accuracy after recovery (mean over seeds)%n",
                    100 * (double) checks.get("prunedNonEmbeddingShareOfDistilled"),
                    100 * (double) checks.get("prunedShareOfDistilledAccuracy")));
        }
        if (checks.containsKey("distilledShareOfTeacherAccuracy")) {
            table.append(String.format("%nstudent non-embedding parameters: %.1f%% of the teacher's; distilled "
                            + "student: %.1f%% of the teacher's accuracy (mean over seeds); beats the hard-label "
                            + "student on every seed: %s%n",
                    100 * (double) checks.get("studentNonEmbeddingShareOfTeacher"),
                    100 * (double) checks.get("distilledShareOfTeacherAccuracy"),
                    checks.get("distilledBeatsHardLabelsOnEverySeed")));
        }
        return table.toString();
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
