package dev.distill.eval;

import io.quarkus.hibernate.reactive.panache.PanacheEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One promotion of a checkpoint to serving student. The promoted checkpoint is the newest promotion not rolled back;
 * rolling back marks it, and the one before serves again.
 */
@Entity
@Table(name = "promotion")
public class Promotion extends PanacheEntity {
    public String checkpointId;
    public String runId;
    /** Unbounded: checkpoint directories may be deep. */
    @Column(columnDefinition = "text")
    public String path;
    public double accuracy;
    public Instant promotedAt;
    /** When the promoted checkpoint had loaded and began to answer {@code /predict}; null until then. */
    public Instant servingSince;
    /** When an operator rolled it back; null while it stands. */
    public Instant rolledBackAt;
}
