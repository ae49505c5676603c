package dev.distill.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.evaluation.ClassificationMetrics;
import dev.distill.core.export.StudentExport;
import dev.distill.core.onnx.OnnxPrecision;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Command-line entry of the local run: fine-tune (or reuse) a teacher, stream the data through label -> train -> eval,
 * and print the leaderboard, the teacher and the best student side by side, and where the exported student is.
 */
@Command(name = "./run-local.sh", sortOptions = false, description = "Runs the whole pipeline on an embedded Kafka "
        + "broker and PostgreSQL: teacher, streaming, leaderboard, teacher and student side by side, export.")
public final class Main implements Callable<Integer> {
    @Mixin
    CommandLineTool.Help help;

    @Option(names = "--data", paramLabel = "DIR",
            description = "folder with train.tsv and dev.tsv (sentence<TAB>label); default data/sst2")
    String data;

    @Option(names = "--limit", paramLabel = "N", description = "stream the first N training examples; default 30000")
    Integer limit;

    @Option(names = "--eval-limit", paramLabel = "N",
            description = "score checkpoints on the first N dev rows; default all")
    Integer evalLimit;

    @Option(names = "--teacher", paramLabel = "CHECKPOINT",
            description = "use this teacher checkpoint instead of fine-tuning bge-small-en-v1.5")
    String teacher;

    @Option(names = "--teacher-examples", paramLabel = "N", description = "fine-tune the teacher on N training "
            + "examples; default 30000 (0: all). The fine-tuned teacher is kept in target/teachers and reused")
    Integer teacherExamples;

    @Option(names = "--learning-rate-floor", paramLabel = "F", description = "the student's learning rate decays "
            + "to this fraction of its peak by the end of the stream and keeps it after (0: stops learning); "
            + "default 0.1")
    Float learningRateFloor;

    @Option(names = "--decay-examples", paramLabel = "N", description = "the learning rate decays over the first N "
            + "streamed examples; default all of them")
    Integer decayExamples;

    @Option(names = "--work", paramLabel = "DIR", description = "where broker, database, checkpoints, logs and the "
            + "exported student go; default target/local-run")
    String work;

    @Option(names = "--keep-running",
            description = "leave the services (and the dashboard) up at the end; Ctrl+C stops them")
    boolean keepRunning;

    public static void main(String[] args) {
        CommandLineTool.run(new Main(), args);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintStream out = System.out;
        LocalRunOptions options = options(Project.dir());
        long started = System.nanoTime();
        try (LocalRun run = LocalRun.start(options, out)) {
            // Ctrl+C (or a kill) stops the services and the embedded broker and database too
            Runtime.getRuntime().addShutdownHook(new Thread(run::close));
            streamAndReport(run, options, out);
            out.printf("%ndone in %.1f min; checkpoints in %s%n", (System.nanoTime() - started) / 60e9,
                    run.checkpointDir());
            if (keepRunning) {
                out.println("the services stay up (dashboard: " + run.dashboardUrl() + "); Ctrl+C stops them");
                new CountDownLatch(1).await();
            }
        }
        return 0;
    }

    /**
     * Streams the run's rows, waits until the last checkpoint is scored, and prints the leaderboard and the teacher
     * and the best student side by side; exports that student.
     *
     * @return the comparison printed
     */
    static TeacherStudentComparison streamAndReport(LocalRun run, LocalRunOptions options, PrintStream out) {
        List<LabeledRow> rows = run.rowsToStream();
        run.stream(rows);
        JsonNode trained = run.awaitTrained(rows.size(), Duration.ofHours(2));
        run.awaitEvaluated(trained.get("id").asText(), rows.size(), Duration.ofMinutes(10));
        ClassificationMetrics teacher = run.scoreTeacher();
        JsonNode leaderboard = run.leaderboard();
        printLeaderboard(out, leaderboard, teacher);
        JsonNode best = leaderboard.get(0);
        Path student = Path.of(best.get("path").asText());
        ClassificationMetrics studentScore = new ClassificationMetrics(best.get("accuracy").asDouble(),
                best.get("macroF1").asDouble(), best.get("examples").asInt());
        TeacherStudentComparison comparison = TeacherStudentComparison.measure(run.teacher(), teacher, student,
                studentScore, options.tokenizer(), run.heldOutTexts());
        comparison.print(out);
        exportStudent(run, options, student, out);
        return comparison;
    }

    /**
     * Writes the student as ONNX ({@code model.onnx}, int8 {@code model.int8.onnx}) and as a Hugging Face directory
     * into the work directory's {@code exported-student}; prints where they are, and where eval-service serves the
     * promoted student.
     */
    static Path exportStudent(LocalRun run, LocalRunOptions options, Path checkpoint, PrintStream out) {
        Path directory = options.workDir().toAbsolutePath().resolve("exported-student");
        Path onnx = directory.resolve("model.onnx");
        Path onnxInt8 = directory.resolve("model.int8.onnx");
        Path huggingFace = directory.resolve("huggingface");
        try {
            StudentExport.export(checkpoint, options.tokenizer().toAbsolutePath(), huggingFace,
                    Map.of(OnnxPrecision.FP32, onnx, OnnxPrecision.INT8, onnxInt8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export " + checkpoint + " to " + directory, e);
        }
        out.println();
        out.println("exported student (" + checkpoint.getFileName() + "):");
        out.println("  ONNX                  " + onnx);
        out.println("  ONNX, int8 weights    " + onnxInt8);
        out.println("  Hugging Face          " + huggingFace + "  (AutoModelForSequenceClassification"
                + ".from_pretrained)");
        out.println("  promoted, while up    " + run.evalUrl()
                + "/promotions/current/student.onnx, student.int8.onnx, student.zip");
        return directory;
    }

    static void printLeaderboard(PrintStream out, JsonNode leaderboard, ClassificationMetrics teacher) {
        out.println();
        out.println("Leaderboard (held-out accuracy, best first)");
        if (leaderboard.size() > 0 && leaderboard.get(0).hasNonNull("labels")) {
            out.println("classes (macro-F1 averages over them): " + leaderboard.get(0).get("labels").asText());
        }
        out.printf("%-4s %-38s %8s %10s %9s %9s%n", "#", "checkpoint", "step", "examples", "accuracy", "macro-F1");
        int rank = 0;
        for (JsonNode row : leaderboard) {
            if (++rank > 10) {
                break;
            }
            out.printf("%-4d %-38s %8d %10d %9.4f %9.4f%n", rank, row.get("checkpointId").asText(),
                    row.get("step").asLong(), row.get("examplesSeen").asLong(), row.get("accuracy").asDouble(),
                    row.get("macroF1").asDouble());
        }
        out.printf("%-4s %-38s %8s %10s %9.4f %9.4f%n", "-", "teacher", "", "", teacher.accuracy(),
                teacher.macroF1());
        if (leaderboard.size() > 0) {
            out.printf("best student keeps %.1f%% of the teacher's accuracy%n",
                    100 * leaderboard.get(0).get("accuracy").asDouble() / teacher.accuracy());
        }
    }

    /**
     * The options the arguments set; relative paths are read from the project directory, where
     * {@code ./run-local.sh} runs.
     *
     * @throws IllegalArgumentException for an unknown option or a bad value
     */
    static LocalRunOptions parse(String[] args, Path projectDir) {
        return CommandLineTool.parse(new Main(), args).options(projectDir);
    }

    private LocalRunOptions options(Path projectDir) {
        LocalRunOptions options = LocalRunOptions.defaults(projectDir);
        if (data != null) {
            Path dir = projectDir.resolve(data);
            for (String file : List.of("train.tsv", "dev.tsv")) {
                if (!Files.isRegularFile(dir.resolve(file))) {
                    throw new IllegalArgumentException("--data " + data + " has no " + file);
                }
            }
            options = options.withData(dir.resolve("train.tsv"), dir.resolve("dev.tsv"));
        }
        options = options.withLimits(limit == null ? options.streamLimit() : positive("--limit", limit),
                evalLimit == null ? options.evalLimit() : positive("--eval-limit", evalLimit));
        if (teacher != null) {
            options = options.withTeacher(projectDir.resolve(teacher));
        }
        if (teacherExamples != null) {
            options = options.withTeacherExamples(teacherExamples == 0 ? 0
                    : positive("--teacher-examples", teacherExamples));
        }
        LocalRunOptions.LearningRatePlan plan = options.learningRate();
        if (learningRateFloor != null) {
            if (!(learningRateFloor >= 0 && learningRateFloor <= 1)) {
                throw new IllegalArgumentException("--learning-rate-floor is a fraction from 0 to 1, got "
                        + learningRateFloor);
            }
            plan = new LocalRunOptions.LearningRatePlan(plan.peak(), learningRateFloor, plan.decayExamples());
        }
        if (decayExamples != null) {
            plan = new LocalRunOptions.LearningRatePlan(plan.peak(), plan.floor(),
                    positive("--decay-examples", decayExamples));
        }
        options = options.withLearningRate(plan);
        return work == null ? options : options.withWorkDir(projectDir.resolve(work));
    }

    private static int positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " takes a positive whole number, got " + value);
        }
        return value;
    }
}
