package dev.distill.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.evaluation.ClassificationMetrics;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Command-line entry of the local run: stream SST-2 through label -> train -> eval and print the leaderboard. */
public final class Main {
    private static final String USAGE = """
            usage: ./run-local.sh [--data DIR] [--limit N] [--eval-limit N] [--teacher CHECKPOINT] [--work DIR]
              --data DIR           folder with train.tsv and dev.tsv (sentence<TAB>label); default data/sst2
              --limit N            stream only the first N training examples; default all
              --eval-limit N       score checkpoints on the first N dev rows; default all
              --teacher DIR        use this teacher checkpoint instead of training one first
              --work DIR           where broker, database, checkpoints and logs go; default target/local-run
            """;

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
            List<LabeledRow> rows = LabeledTsv.readRows(options.trainFile(), options.streamLimit());
            run.stream(rows);
            JsonNode trained = run.awaitTrained(rows.size(), Duration.ofHours(2));
            run.awaitEvaluated(trained.get("id").asText(), rows.size(), Duration.ofMinutes(10));
            ClassificationMetrics teacher = run.scoreTeacher();
            printLeaderboard(out, run.leaderboard(), teacher);
            out.printf("%ndone in %.1f min; checkpoints in %s%n", (System.nanoTime() - started) / 60e9,
                    run.checkpointDir());
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
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
                case "--teacher" -> options = options.withTeacher(projectDir.resolve(value), options.teacherExamples(),
                        options.teacherEpochs(), options.teacher());
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
