package dev.distill.train.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.train.TrainTestProfile;
import dev.distill.train.TrainingRun;
import dev.distill.train.ml.StepOutcome;
import dev.distill.train.ml.StudentTrainer;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(TrainTestProfile.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class RunServiceTest {
    @Inject
    RunService runs;
    @Inject
    StudentTrainer trainer;

    /**
     * The consumer and the idle timer record a fresh run's progress at the same time: the first rows of a run must not
     * collide (a find-then-insert fails one of them on the primary key).
     */
    @Test
    void concurrentFirstRecordsOfARunAllSucceed() throws Exception {
        for (int round = 0; round < 3; round++) {
            await(() -> Panache.withTransaction(() -> TrainingRun.deleteById(trainer.runId())));
            StepOutcome outcome = new StepOutcome(round, round * 10L, 0.5, null, null);
            List<CompletableFuture<Void>> records = IntStream.range(0, 4)
                    .mapToObj(i -> CompletableFuture.runAsync(() -> await(() -> runs.record(outcome))))
                    .toList();
            CompletableFuture.allOf(records.toArray(CompletableFuture[]::new)).get();
            TrainingRun run = await(() -> Panache.withSession(() -> TrainingRun.<TrainingRun>findById(
                    trainer.runId())));
            assertEquals(trainer.runName(), run.name);
        }
    }

    private static <T> T await(java.util.function.Supplier<io.smallrye.mutiny.Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(work);
        } catch (Throwable e) {
            throw new AssertionError("recording failed: " + e, e);
        }
    }
}
