package dev.distill.train.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.WireCodec;
import dev.distill.train.ml.StepOutcome;
import dev.distill.train.ml.StudentTrainer;
import dev.distill.train.service.RunService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Soft-label batches in, checkpoint events out. Training runs on a worker thread; bookkeeping returns to the
 * event loop for the reactive database session. A batch is acknowledged once its step is recorded and any
 * checkpoint event it caused is published. Records that cannot be decoded fail the message and go to the
 * dead-letter topic.
 */
@ApplicationScoped
public class TrainingPipeline {
    private static final Logger LOG = Logger.getLogger(TrainingPipeline.class);

    private final StudentTrainer trainer;
    private final RunService runs;
    private final Vertx vertx;
    private final MutinyEmitter<byte[]> checkpoints;

    public TrainingPipeline(StudentTrainer trainer, RunService runs, Vertx vertx,
            @Channel(Channels.CHECKPOINTS_OUT) MutinyEmitter<byte[]> checkpoints) {
        this.trainer = trainer;
        this.runs = runs;
        this.vertx = vertx;
        this.checkpoints = checkpoints;
    }

    @Incoming(Channels.SOFT_LABELS_IN)
    public Uni<Void> consume(byte[] payload) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> trainer.train(
                        WireCodec.decode(payload, SoftLabelBatch.class))))
                .chain(this::recordAndPublish);
    }

    /** Saves the last steps of a stream that went quiet, so they are evaluated without waiting for more. */
    @Scheduled(every = "1s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> checkpointWhenIdle() {
        return vertx.executeBlocking(Uni.createFrom().item(trainer::checkpointIfIdle))
                .chain(outcome -> outcome.checkpoint() == null ? Uni.createFrom().voidItem()
                        : recordAndPublish(outcome));
    }

    /**
     * Saves, records and announces the steps since the last checkpoint when the service stops, while Kafka and the
     * database are still open (connectors close only when the beans are destroyed, after this event).
     */
    void checkpointOnShutdown(@Observes ShutdownEvent event) {
        try {
            VertxContextSupport.subscribeAndAwait(() -> vertx.executeBlocking(
                            Uni.createFrom().item(trainer::checkpointIfUnsaved))
                    .chain(outcome -> outcome.checkpoint() == null ? Uni.createFrom().voidItem()
                            : recordAndPublish(outcome)));
        } catch (Throwable e) {
            LOG.warnf("the shutdown checkpoint was not recorded or announced: %s", e.getMessage());
        }
    }

    private Uni<Void> recordAndPublish(StepOutcome outcome) {
        Uni<Void> recorded = runs.record(outcome);
        if (outcome.checkpoint() == null) {
            return recorded;
        }
        return recorded.chain(() -> checkpoints.send(WireCodec.encode(outcome.checkpoint())));
    }
}
