package dev.distill.eval;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.EmbeddedColumnNaming;

/** Held-out score, speed and size of one checkpoint, as trained and as exported: a leaderboard row. */
@Entity
@Table(name = "checkpoint_score")
public class CheckpointScore extends PanacheEntityBase {
    @Id
    public String checkpointId;
    public String runId;
    public long step;
    public long examplesSeen;
    public double accuracy;
    public double macroF1;
    public int examples;
    /** The checkpoint's classes, as a JSON array of names (index = class id). */
    @Column(columnDefinition = "text")
    public String labels;
    /** Share of held-out examples where the checkpoint predicts the teacher's class; null without a teacher. */
    public Double agreement;
    /** Mean training loss of the steps before the checkpoint, as train-service reported it. */
    public Double trainLoss;
    /** Median milliseconds per sentence at batch 1 on eval-service's machine (null in rows scored before timing). */
    public Double latencyMillisP50;
    /** 95th percentile of the same. */
    public Double latencyMillisP95;
    /** Sentences per second in batches of 32. */
    public Double sentencesPerSecond;
    public Long parameters;
    /** Parameters outside the embeddings: what a student's share of its teacher is counted in. */
    public Long nonEmbeddingParameters;
    /** Bytes of the weights file. */
    public Long sizeBytes;
    /** Exported to ONNX with float weights, run in ONNX Runtime; null without {@code eval.onnx-scoring}. */
    @Embedded
    @EmbeddedColumnNaming("onnx_fp32_%s")
    public OnnxScore onnxFp32;
    /** The same with int8 weights (dynamic quantisation). */
    @Embedded
    @EmbeddedColumnNaming("onnx_int8_%s")
    public OnnxScore onnxInt8;
    /** Unbounded: checkpoint directories may be deep. */
    @Column(columnDefinition = "text")
    public String path;
    public Instant evaluatedAt;
    /**
     * When its eval result was published and its promotion decided; null while that is still to do (a crash came
     * between scoring and deciding). A decided checkpoint's redelivered event changes nothing.
     */
    public Instant decidedAt;
    /** When train-service began writing the checkpoint (its manifest's {@code createdAt}). */
    public Instant checkpointCreatedAt;
    /** When the newest example it learnt from entered {@code distill.examples}; null if its producer did not say. */
    public Instant newestExampleAt;
    /** When that example's soft label was published. */
    public Instant newestExampleLabelledAt;
    /** When its checkpoint event was published (the record's timestamp). */
    public Instant announcedAt;
    /** When checkpoint retention deleted its weights; null while they are on disk. The score stays. */
    public Instant retiredAt;
    /** When retention removed what was left of its directory (manifest, ledger); null while it is there. */
    public Instant removedAt;
}
