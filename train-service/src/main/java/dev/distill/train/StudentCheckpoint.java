package dev.distill.train;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A checkpoint written by a run. */
@Entity
@Table(name = "student_checkpoint")
public class StudentCheckpoint extends PanacheEntityBase {
    @Id
    public String id;
    public String runId;
    public long step;
    public long examplesSeen;
    public double trainLoss;
    /** Unbounded: checkpoint directories may be deep. */
    @Column(columnDefinition = "text")
    public String path;
    public Instant createdAt;
}
