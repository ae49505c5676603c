package dev.distill.train;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** One continuous training of a student, from start-up to shutdown of a train-service instance. */
@Entity
@Table(name = "training_run")
public class TrainingRun extends PanacheEntityBase {
    @Id
    public String id;
    public String name;
    public Instant startedAt;
    public Instant updatedAt;
    public long steps;
    public long examplesSeen;
    public double lastLoss;
    /** The resolved run configuration as JSON. */
    @Column(columnDefinition = "text")
    public String config;
}
