package dev.distill.local;

import dev.distill.core.model.ModelConfig;
import java.nio.file.Path;

/**
 * Everything a local run needs; {@link #defaults(Path)} gives the values of the README's command.
 *
 * @param projectDir          repository root (holds the built services and {@code data/})
 * @param workDir             broker, database, checkpoints and logs of this run; emptied at start
 * @param trainFile           labelled examples streamed through the pipeline
 * @param evalFile            held-out set eval-service scores
 * @param tokenizer           Hugging Face {@code tokenizer.json}
 * @param streamLimit         examples streamed (0: the whole file)
 * @param evalLimit           held-out rows scored (0: all)
 * @param teacherCheckpoint   existing teacher checkpoint, or {@code null} to train one first
 * @param teacherExamples     examples the bootstrap teacher trains on
 * @param teacherEpochs       epochs of the bootstrap teacher
 * @param teacher             size of the bootstrap teacher
 * @param student             size of the student
 * @param checkpointEverySteps train-service checkpoint interval
 * @param warmupSteps         learning-rate warm-up of the student
 * @param seed                seed of teacher and student
 * @param otlpEndpoint        OpenTelemetry collector (OTLP over HTTP) the services send traces to, or {@code null}
 *                            for no tracing
 * @param studentInitFrom     where the student's weights start ({@code train.init-from}): {@code null} for random,
 *                            {@link #TEACHER} for the run's teacher, or a setting such as {@code pretrained:<id>}
 */
public record LocalRunOptions(Path projectDir, Path workDir, Path trainFile, Path evalFile, Path tokenizer,
        int streamLimit, int evalLimit, Path teacherCheckpoint, int teacherExamples, int teacherEpochs,
        ModelConfig teacher, ModelConfig student, int checkpointEverySteps, int warmupSteps, int seed,
        String otlpEndpoint, String studentInitFrom) {
    /** {@link #studentInitFrom} value that starts the student from the run's teacher (DistilBERT). */
    public static final String TEACHER = "teacher";

    public static LocalRunOptions defaults(Path projectDir) {
        Path data = projectDir.resolve("data");
        return new LocalRunOptions(projectDir, projectDir.resolve("target/local-run"),
                data.resolve("sst2/train.tsv"), data.resolve("sst2/dev.tsv"), data.resolve("vocab/tokenizer.json"),
                0, 0, null, 20000, 1,
                new ModelConfig(30522, 128, 2, 4, 64, 2),
                new ModelConfig(30522, 64, 1, 2, 64, 2),
                200, 100, 42, null, null);
    }

    public LocalRunOptions withData(Path trainFile, Path evalFile) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherExamples, teacherEpochs, teacher, student, checkpointEverySteps, warmupSteps,
                seed, otlpEndpoint, studentInitFrom);
    }

    public LocalRunOptions withLimits(int streamLimit, int evalLimit) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherExamples, teacherEpochs, teacher, student, checkpointEverySteps, warmupSteps,
                seed, otlpEndpoint, studentInitFrom);
    }

    public LocalRunOptions withTeacher(Path checkpoint, int examples, int epochs, ModelConfig size) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                checkpoint, examples, epochs, size, student, checkpointEverySteps, warmupSteps, seed,
                otlpEndpoint, studentInitFrom);
    }

    public LocalRunOptions withStudent(ModelConfig size, int everySteps, int warmup) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherExamples, teacherEpochs, teacher, size, everySteps, warmup, seed,
                otlpEndpoint, studentInitFrom);
    }

    public LocalRunOptions withWorkDir(Path directory) {
        return new LocalRunOptions(projectDir, directory, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherExamples, teacherEpochs, teacher, student, checkpointEverySteps, warmupSteps,
                seed, otlpEndpoint, studentInitFrom);
    }

    public LocalRunOptions withTracing(String collector) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherExamples, teacherEpochs, teacher, student, checkpointEverySteps, warmupSteps,
                seed, collector, studentInitFrom);
    }

    public LocalRunOptions withStudentInitFrom(String source) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherExamples, teacherEpochs, teacher, student, checkpointEverySteps, warmupSteps,
                seed, otlpEndpoint, source);
    }
}
