package dev.distill.local.bench;

import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.OfflineTraining;
import dev.distill.local.Project;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures, in one run, what the service layer costs on top of the engine and what soft labels cost on the wire:
 * (1) labelling throughput through label-service (Kafka in, Kafka out) against a bare DJL predictor loop on the same
 * teacher, batch size and sequence length; (2) training throughput through train-service against a bare training
 * loop on the same student and data; (3) bytes per soft label and the KL error of each encoding on SST-2 teacher
 * outputs; (4) labelling throughput with 1, 2 and 4 workers on a 4-partition topic, with duplicates counted; (5)
 * resident memory of each service over a long stream. Ratios are medians over {@code --repetitions}, each repetition
 * measuring both sides back to back. Writes {@code results.json} and {@code results.md}.
 */
public final class PerformanceBenchmark {
    static final String USAGE = """
            usage: bench/performance [--repetitions 5] [--examples 8192] [--teacher-size HIDDEN,LAYERS,HEADS]
                                     [--student-size HIDDEN,LAYERS,HEADS] [--max-length 64] [--batch-size 32]
                                     [--poll-examples 1024] [--train-examples 8192]
                                     [--encoding-teacher-examples 8000]
                                     [--parts labelling,training,scaling,encodings,memory]
                                     [--scaling-examples N] [--memory-examples 100000]
                                     [--memory-warm-up 30% of memory-examples] [--out DIR]
            """;
    private static final List<String> PARTS = List.of("labelling", "training", "scaling", "encodings", "memory");

    private final BenchmarkOptions options;
    private final PrintStream out;
    private final Path project;
    private final Path tokenizer;

    PerformanceBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.project = options.project();
        this.tokenizer = Project.tokenizer(project);
    }

    public static void main(String[] args) {
        BenchmarkOptions.main(args, USAGE, options -> new PerformanceBenchmark(options, System.out).run());
    }

    Map<String, Object> run() {
        long started = System.nanoTime();
        Path outDir = options.outDir("performance");
        int repetitions = options.intOption("repetitions", 5);
        int examples = options.intOption("examples", 8192);
        int batchSize = options.intOption("batch-size", 32);
        int pollExamples = options.intOption("poll-examples", 1024);
        int maxLength = options.intOption("max-length", 64);
        ModelConfig teacherSize = options.sizeOption("teacher-size", "256,4,4", maxLength);
        ModelConfig studentSize = options.sizeOption("student-size", "64,2,2", maxLength);
        Path trainFile = project.resolve("data/sst2/train.tsv");
        List<LabeledText> train = LabeledTsv.read(trainFile, LabelSet.of(trainFile), 0);
        List<String> texts = train.subList(0, Math.min(examples, train.size())).stream().map(LabeledText::text)
                .toList();
        out.printf("performance benchmark: %d examples, batch %d, max length %d, teacher %s, student %s, "
                + "%d repetitions%n", texts.size(), batchSize, maxLength, teacherSize, studentSize, repetitions);
        Path teacher = OfflineTraining.untrained("teacher", teacherSize, tokenizer, outDir.resolve("teacher"));

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("settings", Map.of("examples", texts.size(), "batchSize", batchSize, "maxLength", maxLength,
                "teacher", sizeName(teacherSize), "student", sizeName(studentSize), "repetitions", repetitions,
                "pollExamples", pollExamples,
                "cores", Runtime.getRuntime().availableProcessors()));
        LabellingBenchmark labelling = new LabellingBenchmark(out, project, tokenizer, pollExamples, "pytorch");
        TrainingBenchmark training = new TrainingBenchmark(out, project, tokenizer);
        List<String> parts = List.of(options.option("parts", String.join(",", PARTS)).split(","));
        try (EmbeddedStack stack = EmbeddedStack.start(outDir.resolve("stack"), Topics.all(), 4)) {
            if (parts.contains("labelling")) {
                results.put("labelling", labelling.measure(stack, outDir, teacher, texts, batchSize, repetitions));
            }
            if (parts.contains("training")) {
                results.put("training", training.measure(stack, outDir, train, studentSize, batchSize,
                        repetitions, options.intOption("train-examples", 8192)));
            }
            if (parts.contains("scaling")) {
                results.put("scaling", labelling.measureScaling(stack, outDir, teacher, texts, batchSize,
                        options.intOption("scaling-examples", Math.min(texts.size(), 1024))));
            }
        }
        if (parts.contains("encodings")) {
            results.put("encodings", new EncodingBenchmark(options, out).measure(outDir, train, batchSize));
        }
        if (parts.contains("memory")) {
            int memoryExamples = options.intOption("memory-examples", 100_000);
            MemoryBenchmark memory = new MemoryBenchmark(out, project, tokenizer, labelling, training);
            ModelConfig small = new ModelConfig(30522, 64, 1, 2, 64, 2);
            Path memoryTeacher = OfflineTraining.untrained("memory-teacher", small, tokenizer,
                    outDir.resolve("memory-teacher"));
            results.put("memory", memory.measure(outDir, memoryTeacher, small, train, batchSize, memoryExamples,
                    options.intOption("memory-warm-up", memoryExamples * 3 / 10)));
        }
        results.put("seconds", Math.round((System.nanoTime() - started) / 1e9));
        BenchmarkOptions.writeResults(outDir, results, PerformanceReport.table(results), out);
        return results;
    }

    private static String sizeName(ModelConfig size) {
        return size.layers() + "x" + size.hiddenSize() + " (" + size.heads() + " heads)";
    }
}
