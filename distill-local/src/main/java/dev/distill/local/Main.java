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
import java.util.concurrent.CountDownLatch;

/**
 * Command-line entry of the local run: fine-tune (or reuse) a teacher, stream the data through label -> train -> eval,
 * and print the leaderboard, the teacher and the best student side by side, and where the exported student is.
 */
public final class Main {
    private static final String USAGE = """
            usage: ./run-local.sh [--data DIR] [--limit N] [--eval-limit N] [--teacher CHECKPOINT]
                                  [--teacher-examples N] [--work DIR] [--keep-running]
              --data DIR             folder with train.tsv and dev.tsv (sentence<TAB>label); default data/sst2
              --limit N              stream the first N training examples; default 30000
              --eval-limit N         score checkpoints on the first N dev rows; default all
              --teacher DIR          use this teacher checkpoint instead of fine-tuning bge-small-en-v1.5
              --teacher-examples N   fine-tune the teacher on N training examples; default 30000 (0: all).
                                     The fine-tuned teacher is kept in target/teachers and reused by later runs
              --work DIR             where broker, database, checkpoints, logs and the exported student go;
                                     default target/local-run
              --keep-running         leave the services (and the dashboard) up at the end; Ctrl+C stops them
            """;
    private static final String KEEP_RUNNING = "--keep-running";

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            out.print(USAGE);
            return;
        }
        LocalRunOptions options;
        try {
            options = parse(args, Project.dir());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        long started = System.nanoTime();
        try (LocalRun run = LocalRun.start(options, out)) {
            // Ctrl+C (or a kill) stops the services and the embedded broker and database too
            Runtime.getRuntime().addShutdownHook(new Thread(run::close));
            streamAndReport(run, options, out);
            out.printf("%ndone in %.1f min; checkpoints in %s%n", (System.nanoTime() - started) / 60e9,
                    run.checkpointDir());
            if (List.of(args).contains(KEEP_RUNNING)) {
                out.println("the services stay up (dashboard: " + run.dashboardUrl() + "); Ctrl+C stops them");
                new CountDownLatch(1).await();
            }
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        LocalRunOptions options = LocalRunOptions.defaults(projectDir);
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals(KEEP_RUNNING)) {
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--data" -> {
                    Path dir = projectDir.resolve(value);
                    for (String file : List.of("train.tsv", "dev.tsv")) {
                        if (!Files.isRegularFile(dir.resolve(file))) {
                            throw new IllegalArgumentException("--data " + value + " has no " + file);
                        }
                    }
                    options = options.withData(dir.resolve("train.tsv"), dir.resolve("dev.tsv"));
                }
                case "--limit" -> options = options.withLimits(positive(flag, value), options.evalLimit());
                case "--eval-limit" -> options = options.withLimits(options.streamLimit(), positive(flag, value));
                case "--teacher" -> options = options.withTeacher(projectDir.resolve(value));
                case "--teacher-examples" -> options = options.withTeacherExamples(
                        value.equals("0") ? 0 : positive(flag, value));
                case "--work" -> options = options.withWorkDir(projectDir.resolve(value));
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        return options;
    }

    private static int positive(String flag, String value) {
        try {
            int number = Integer.parseInt(value);
            if (number > 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException(flag + " takes a positive whole number, got '" + value + "'");
    }
}
