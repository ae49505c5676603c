package dev.distill.train.ml;

import dev.distill.core.model.ModelConfig;
import dev.distill.core.wire.RecordIds;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.train.config.RunConfiguration;
import java.nio.file.Path;
import java.util.List;

/**
 * Which soft-label batches a run trains on: those of its tokenizer and of one teacher. The teacher is
 * {@code train.teacher-id} when set, else the teacher of the first batch the run accepts: soft labels of two teachers
 * describe two different targets.
 */
final class BatchAdmission {
    private final Path tokenizer;
    private final String tokenizerId;
    private String teacherId;

    /**
     * @param tokenizer   the run's tokenizer file, named in refusals
     * @param tokenizerId its sha-256, as batches carry it
     * @param teacherId   the teacher the run is pinned to, or null until its first batch
     */
    BatchAdmission(Path tokenizer, String tokenizerId, String teacherId) {
        this.tokenizer = tokenizer;
        this.tokenizerId = tokenizerId;
        this.teacherId = teacherId;
    }

    /**
     * Checks the batch against the run; pinning is left to {@link #pin}, once the batch also suits the student.
     *
     * @return the batch's classes: named by the batch, or numbered as far as its logits and gold labels reach
     * @throws BatchRefusedException with the reason
     */
    List<String> classes(SoftLabelBatch batch) {
        if (batch.labels() == null || batch.labels().isEmpty()) {
            throw new BatchRefusedException("batch " + batch.batchId() + " holds no labels");
        }
        String idProblem = RecordIds.problem("teacherId", batch.teacherId());
        if (idProblem != null) {
            // the first batch's teacher id pins the run: a malformed one must not
            throw new BatchRefusedException("batch " + batch.batchId() + ": " + idProblem);
        }
        if (!tokenizerId.equals(batch.tokenizerId())) {
            throw new BatchRefusedException("batch " + batch.batchId() + " was tokenized by the teacher with tokenizer "
                    + batch.tokenizerId() + ", but this run's tokenizer " + tokenizer + " is " + tokenizerId);
        }
        if (teacherId != null && !teacherId.equals(batch.teacherId())) {
            throw new BatchRefusedException("batch " + batch.batchId() + " comes from teacher " + batch.teacherId()
                    + ", but this run trains on teacher " + teacherId + " (" + RunConfiguration.TEACHER_ID + ")");
        }
        return batch.classes() != null ? batch.classes() : numberedClasses(batch);
    }

    /** Pins the run to the batch's teacher unless it is pinned already; true when it pinned it now. */
    boolean pin(SoftLabelBatch batch) {
        if (teacherId != null) {
            return false;
        }
        teacherId = batch.teacherId();
        return true;
    }

    String teacherId() {
        return teacherId;
    }

    /** Classes known by index only, as many as the batch's logits (or gold labels) show, at least 2. */
    private static List<String> numberedClasses(SoftLabelBatch batch) {
        int count = 2;
        for (SoftLabel label : batch.labels()) {
            count = Math.max(count, label.logits() != null ? label.logits().length
                    : label.label() == null ? 0 : label.label() + 1);
        }
        return ModelConfig.numberedLabels(count);
    }
}
