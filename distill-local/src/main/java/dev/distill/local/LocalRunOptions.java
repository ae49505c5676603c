package dev.distill.local;

import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.StudentSizing;
import java.nio.file.Path;

/**
 * Everything a local run needs; {@link #defaults(Path)} gives the values of the README's command.
 *
 * @param projectDir           repository root (holds the built services and {@code data/})
 * @param workDir              broker, database, checkpoints, logs and the exported student of this run; emptied at
 *                             start
 * @param trainFile            labelled examples streamed through the pipeline
 * @param evalFile             held-out set eval-service scores
 * @param tokenizer            Hugging Face {@code tokenizer.json}
 * @param streamLimit          examples streamed (0: the whole file)
 * @param evalLimit            held-out rows scored (0: all)
 * @param teacherCheckpoint    existing teacher checkpoint, or {@code null} to fine-tune {@code teacherSource}
 * @param teacherSource        pretrained weights the teacher is fine-tuned from (on {@code trainFile})
 * @param teacherExamples      examples the teacher is fine-tuned on (0: all)
 * @param teacherCache         where fine-tuned teachers are kept for later runs (outside {@code workDir})
 * @param student              size of the student, or {@code null} for a quarter of the teacher's layers
 *                             ({@link StudentSizing#quarterDepth}) started from its layers
 * @param studentInitFrom      where the student's weights start ({@code train.init-from}): {@code null} for random,
 *                             {@link #TEACHER} for the run's teacher, or a setting such as {@code pretrained:<id>};
 *                             the teacher when {@code student} is {@code null}
 * @param learningRate         the student's learning-rate schedule: warm-up over a tenth of the decay, then linear
 *                             decay to a floor that holds after it
 * @param checkpointEverySteps train-service checkpoint interval
 * @param seed                 seed of teacher and student
 * @param otlpEndpoint         OpenTelemetry collector (OTLP over HTTP) the services send traces to, or {@code null}
 *                             for no tracing
 */
public record LocalRunOptions(Path projectDir, Path workDir, Path trainFile, Path evalFile, Path tokenizer,
        int streamLimit, int evalLimit, Path teacherCheckpoint, String teacherSource, int teacherExamples,
        Path teacherCache, ModelConfig student, String studentInitFrom, LearningRatePlan learningRate, int checkpointEverySteps,
        int seed, String otlpEndpoint) {
    /** {@link #studentInitFrom} value that starts the student from the run's teacher (DistilBERT). */
    public static final String TEACHER = "teacher";

    /**
     * The student's learning rate over the stream.
     *
     * @param peak          the rate after warm-up
     * @param floor         the fraction of {@code peak} the decay ends at and keeps after it: a stream that goes on
     *                      past the planned end (with {@code --keep-running}) keeps teaching the student
     * @param decayExamples examples the decay spans; 0: the streamed ones
     */
    public record LearningRatePlan(float peak, float floor, int decayExamples) {
    }

    public static LocalRunOptions defaults(Path projectDir) {
        Path data = projectDir.resolve("data");
        return new LocalRunOptions(projectDir, projectDir.resolve("target/local-run"),
                data.resolve("sst2/train.tsv"), data.resolve("sst2/dev.tsv"), Project.tokenizer(projectDir),
                30000, 0, null, "pretrained:bge-small-en-v1.5", 30000, projectDir.resolve("target/teachers"), null,
                TEACHER, new LearningRatePlan(1e-4f, 0.1f, 0), 200, 42, null);
    }

    public LocalRunOptions withData(Path trainFile, Path evalFile) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherSource, teacherExamples, teacherCache, student, studentInitFrom,
                learningRate, checkpointEverySteps, seed, otlpEndpoint);
    }

    /** The student's learning-rate plan. */
    public LocalRunOptions withLearningRate(LearningRatePlan plan) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherSource, teacherExamples, teacherCache, student, studentInitFrom,
                plan, checkpointEverySteps, seed, otlpEndpoint);
    }

    public LocalRunOptions withLimits(int streamLimit, int evalLimit) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherSource, teacherExamples, teacherCache, student, studentInitFrom,
                learningRate, checkpointEverySteps, seed, otlpEndpoint);
    }

    /** An existing teacher checkpoint instead of fine-tuning one. */
    public LocalRunOptions withTeacher(Path checkpoint) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                checkpoint, teacherSource, teacherExamples, teacherCache, student, studentInitFrom, learningRate,
                checkpointEverySteps, seed, otlpEndpoint);
    }

    /** Fine-tunes the teacher on this many examples (0: all). */
    public LocalRunOptions withTeacherExamples(int examples) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherSource, examples, teacherCache, student, studentInitFrom, learningRate,
                checkpointEverySteps, seed, otlpEndpoint);
    }

    /** Keeps fine-tuned teachers in this folder. */
    public LocalRunOptions withTeacherCache(Path directory) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherSource, teacherExamples, directory, student, studentInitFrom, learningRate,
                checkpointEverySteps, seed, otlpEndpoint);
    }

    /**
     * A student of this size, its weights from {@code initFrom} ({@code null}: random), trained at this peak
     * learning rate and checkpointed every {@code everySteps} steps.
     */
    public LocalRunOptions withStudent(ModelConfig size, String initFrom, float rate, int everySteps) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherSource, teacherExamples, teacherCache, size, initFrom,
                new LearningRatePlan(rate, learningRate.floor(), learningRate.decayExamples()), everySteps, seed,
                otlpEndpoint);
    }

    public LocalRunOptions withWorkDir(Path directory) {
        return new LocalRunOptions(projectDir, directory, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherSource, teacherExamples, teacherCache, student, studentInitFrom,
                learningRate, checkpointEverySteps, seed, otlpEndpoint);
    }

    public LocalRunOptions withTracing(String collector) {
        return new LocalRunOptions(projectDir, workDir, trainFile, evalFile, tokenizer, streamLimit, evalLimit,
                teacherCheckpoint, teacherSource, teacherExamples, teacherCache, student, studentInitFrom,
                learningRate, checkpointEverySteps, seed, collector);
    }
}
