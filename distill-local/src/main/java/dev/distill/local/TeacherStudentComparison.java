package dev.distill.local;

import dev.distill.core.evaluation.ClassificationMetrics;
import dev.distill.core.evaluation.Latency;
import dev.distill.core.evaluation.ModelFigures;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The teacher and a student side by side, as the local run ends: shape, parameters, size on disk, held-out accuracy
 * and macro-F1, and latency measured here and now on the held-out sentences.
 */
record TeacherStudentComparison(ModelFigures teacher, ModelFigures student, ClassificationMetrics teacherScore,
        ClassificationMetrics studentScore, Latency teacherLatency, Latency studentLatency) {
    /** Sentences timed one at a time (the rest of the timing runs in batches over all held-out sentences). */
    private static final int TIMED_ALONE = 200;

    static TeacherStudentComparison measure(Path teacher, ClassificationMetrics teacherScore, Path student,
            ClassificationMetrics studentScore, Path tokenizer, List<String> heldOutTexts) {
        return new TeacherStudentComparison(ModelFigures.of(teacher), ModelFigures.of(student), teacherScore,
                studentScore, Latency.measure(teacher, tokenizer, heldOutTexts, TIMED_ALONE),
                Latency.measure(student, tokenizer, heldOutTexts, TIMED_ALONE));
    }

    double studentShareOfTeacherAccuracy() {
        return studentScore.accuracy() / teacherScore.accuracy();
    }

    double studentShareOfNonEmbeddingParameters() {
        return (double) student.nonEmbeddingParameters() / teacher.nonEmbeddingParameters();
    }

    void print(PrintStream out) {
        out.println();
        out.printf("Teacher and best student (held-out rows: %d; latency on this machine)%n",
                teacherScore.examples());
        String row = "%-26s %18s %18s%n";
        out.printf(row, "", "teacher", "student");
        out.printf(row, "layers x hidden (FFN)", teacher.shape(), student.shape());
        out.printf(row, "parameters", String.format("%,d", teacher.parameters()),
                String.format("%,d", student.parameters()));
        out.printf(row, "non-embedding parameters", String.format("%,d", teacher.nonEmbeddingParameters()),
                String.format("%,d (%.1f%%)", student.nonEmbeddingParameters(),
                        100 * studentShareOfNonEmbeddingParameters()));
        out.printf(row, "size on disk", megabytes(teacher), megabytes(student));
        out.printf(row, "accuracy", String.format("%.4f", teacherScore.accuracy()),
                String.format("%.4f (%.1f%%)", studentScore.accuracy(), 100 * studentShareOfTeacherAccuracy()));
        out.printf(row, "macro-F1", String.format("%.4f", teacherScore.macroF1()),
                String.format("%.4f", studentScore.macroF1()));
        out.printf(row, "ms/sentence (batch 1)", String.format("%.1f", teacherLatency.millisAtBatch1()),
                String.format("%.1f", studentLatency.millisAtBatch1()));
        out.printf(row, "sentences/s (batch " + Latency.BATCH + ")",
                String.format("%.0f", teacherLatency.sentencesPerSecond()),
                String.format("%.0f", studentLatency.sentencesPerSecond()));
        out.printf(row, "speed-up (batch 1 / " + Latency.BATCH + ")", "1.0x / 1.0x", String.format("%.1fx / %.1fx",
                teacherLatency.millisAtBatch1() / studentLatency.millisAtBatch1(),
                studentLatency.sentencesPerSecond() / teacherLatency.sentencesPerSecond()));
    }

    private static String megabytes(ModelFigures model) {
        return String.format("%.1f MB", model.bytesOnDisk() / 1e6);
    }
}
