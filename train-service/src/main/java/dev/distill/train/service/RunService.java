package dev.distill.train.service;

import dev.distill.core.wire.CheckpointEvent;
import dev.distill.train.StudentCheckpoint;
import dev.distill.train.TrainingRun;
import dev.distill.train.config.RunConfiguration;
import dev.distill.train.ml.StepOutcome;
import dev.distill.train.ml.StudentTrainer;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

/** Run and checkpoint rows in PostgreSQL. */
@ApplicationScoped
public class RunService {
    private final StudentTrainer trainer;

    public RunService(StudentTrainer trainer) {
        this.trainer = trainer;
    }

    /**
     * Updates the run's progress and stores the outcome's checkpoint, if any, in one transaction. A checkpoint
     * recorded before (announced again after a restart) is kept as it is.
     */
    @WithTransaction
    public Uni<Void> record(StepOutcome outcome) {
        return insertRunIfAbsent()
                .chain(() -> TrainingRun.<TrainingRun>findById(trainer.runId()))
                .chain(run -> {
                    run.steps = outcome.steps();
                    run.examplesSeen = outcome.examplesSeen();
                    if (!Double.isNaN(outcome.loss())) {
                        run.lastLoss = outcome.loss();
                    }
                    run.updatedAt = Instant.now();
                    Uni<?> saved = run.persist();
                    CheckpointEvent event = outcome.checkpoint();
                    if (event != null) {
                        saved = saved.chain(() -> StudentCheckpoint.findById(event.checkpointId()))
                                .chain(existing -> existing != null ? Uni.createFrom().item(existing)
                                        : toEntity(event).persist());
                    }
                    return saved.replaceWithVoid();
                });
    }

    @WithSession
    public Uni<List<TrainingRun>> runs() {
        return TrainingRun.listAll(Sort.descending("startedAt"));
    }

    @WithSession
    public Uni<List<StudentCheckpoint>> checkpoints(String runId) {
        return StudentCheckpoint.list("runId", Sort.ascending("step"), runId);
    }

    /**
     * Creates the run's row unless it exists. Progress and checkpoints are recorded from two places at once (the
     * consumer and the idle timer), so a find-then-insert would race on a fresh run's first rows.
     */
    private Uni<Integer> insertRunIfAbsent() {
        return Panache.getSession().chain(session -> session.createMutationQuery("insert into TrainingRun "
                        + "(id, name, startedAt, updatedAt, steps, examplesSeen, lastLoss, config) "
                        + "values (:id, :name, :now, :now, 0, 0, 0, :config) on conflict do nothing")
                .setParameter("id", trainer.runId())
                .setParameter("name", trainer.runName())
                .setParameter("now", Instant.now())
                .setParameter("config", RunConfiguration.json(trainer.resolvedConfig()))
                .executeUpdate());
    }

    private static StudentCheckpoint toEntity(CheckpointEvent event) {
        StudentCheckpoint checkpoint = new StudentCheckpoint();
        checkpoint.id = event.checkpointId();
        checkpoint.runId = event.runId();
        checkpoint.step = event.step();
        checkpoint.examplesSeen = event.examplesSeen();
        checkpoint.trainLoss = event.trainLoss();
        checkpoint.path = event.path();
        checkpoint.createdAt = Instant.now();
        return checkpoint;
    }
}
