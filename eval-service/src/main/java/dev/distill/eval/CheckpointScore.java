package dev.distill.eval;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** Held-out score of one checkpoint: a leaderboard row. */
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
    /** Unbounded: checkpoint directories may be deep. */
    @Column(columnDefinition = "text")
    public String path;
    public Instant evaluatedAt;
}
