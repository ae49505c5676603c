package dev.distill.train.messaging;

import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.wire.Channels;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.WireCodec;
import dev.distill.service.messaging.RetriedUntilTaken;
import dev.distill.train.ml.ExampleTimes;
import dev.distill.train.ml.StepOutcome;
import dev.distill.train.ml.StudentTrainer;
import dev.distill.train.service.RunService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Soft-label records in, checkpoint events out. Training runs off the event loop (on the student's model thread);
 * bookkeeping returns to the event loop for the reactive database session. Exactly once: the student's
 * {@link dev.distill.train.position.StreamPosition} is saved inside each checkpoint and restored on start; records
 * it has applied are skipped if redelivered. A record that cannot be decoded or is refused fails the message and
 * goes to the dead-letter topic, the reason logged as a warning. Recording and announcing a checkpoint is retried until the database and broker take
 * it, so an outage stalls training instead of losing a checkpoint.
 */
@ApplicationScoped
public class TrainingPipeline {
    private static final Logger LOG = Logger.getLogger(TrainingPipeline.class);
    private static final Duration ANNOUNCEMENT_AT_SHUTDOWN = Duration.ofSeconds(30);

    private final StudentTrainer trainer;
    private final RunService runs;
    private final Vertx vertx;
    private final MutinyEmitter<byte[]> checkpoints;
    private final KafkaClientService kafka;
    private final AtomicBoolean resumeAnnounced = new AtomicBoolean();
    /** Steps in the run row as last recorded. */
    private final AtomicLong recordedSteps = new AtomicLong(-1);
    /** Completes when the last checkpoint training started is written, recorded and announced. */
    private final AtomicReference<CompletableFuture<Void>> lastAnnouncement =
            new AtomicReference<>(CompletableFuture.completedFuture(null));

    public TrainingPipeline(StudentTrainer trainer, RunService runs, Vertx vertx,
            @Channel(Channels.CHECKPOINTS_OUT) MutinyEmitter<byte[]> checkpoints, KafkaClientService kafka) {
        this.trainer = trainer;
        this.runs = runs;
        this.vertx = vertx;
        this.checkpoints = checkpoints;
        this.kafka = kafka;
    }

    /**
     * Trains on the record. A checkpoint it starts is written, recorded and announced while the next records train
     * ({@link #announceInOrder}). Progress between checkpoints goes to the database from the timer
     * ({@link #checkpointWhenIdle}), off this path: a write here would hold up training for a database round trip.
     */
    @Incoming(Channels.SOFT_LABELS_IN)
    public Uni<Void> consume(ConsumerRecord<String, byte[]> record) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> trainer.train(record.topic(), record.partition(),
                        record.offset(), record.value(), streamTimes(record))))
                .chain(written -> withoutCheckpoint(written) != null ? Uni.createFrom().voidItem()
                        : announceInOrder(written))
                .onFailure().invoke(e -> LOG.warnf("soft-label record %s (partition %d, offset %d) sent to the "
                        + "dead-letter topic: %s", record.key(), record.partition(), record.offset(), e.getMessage()));
    }

    /**
     * When the record's newest example entered the stream and when the record was labelled (its timestamp), if its
     * producer said; {@code null} otherwise (older producers, or a header that is not a time: freshness is not worth
     * refusing a batch for).
     */
    private static ExampleTimes streamTimes(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader(Channels.NEWEST_EXAMPLE_AT_HEADER);
        if (header == null || record.timestamp() < 0) {
            return null;
        }
        try {
            return new ExampleTimes(Instant.ofEpochMilli(Long.parseLong(new String(header.value(),
                    StandardCharsets.UTF_8))), Instant.ofEpochMilli(record.timestamp()));
        } catch (NumberFormatException e) {
            LOG.debugf("soft-label record %s has an unreadable %s header; its freshness is not counted", record.key(),
                    Channels.NEWEST_EXAMPLE_AT_HEADER);
            return null;
        }
    }

    /**
     * Saves the last steps of a stream that went quiet, so they are evaluated without waiting for more, and records
     * the run's progress once a second while it trains. First of all, records and announces the checkpoint this start resumed from:
     * the last start may have crashed before.
     */
    @Scheduled(every = "1s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class) // channels connect during start-up
    Uni<Void> checkpointWhenIdle() {
        if (!resumeAnnounced.get() && trainer.resumedCheckpoint().isPresent()) {
            CheckpointEvent resumed = trainer.resumedCheckpoint().get();
            return recordAndPublish(new StepOutcome(resumed.step(), resumed.examplesSeen(), Double.NaN, resumed, null))
                    .invoke(() -> resumeAnnounced.set(true));
        }
        return vertx.executeBlocking(Uni.createFrom().item(trainer::checkpointIfIdle)).chain(written -> {
            StepOutcome progress = withoutCheckpoint(written);
            if (progress == null) {
                return announceInOrder(written);
            }
            return progress.steps() == recordedSteps.get() ? Uni.createFrom().voidItem() : recordAndPublish(progress);
        });
    }

    /** The outcome, if the stage is one without a checkpoint (those are complete at once); otherwise null. */
    private static StepOutcome withoutCheckpoint(CompletionStage<StepOutcome> written) {
        CompletableFuture<StepOutcome> outcome = written.toCompletableFuture();
        boolean complete = outcome.isDone() && !outcome.isCompletedExceptionally();
        return complete && outcome.join().checkpoint() == null ? outcome.join() : null;
    }

    /**
     * Records and announces the checkpoint once it is written, after the one before it, without waiting for it: the
     * returned item comes when the one before is announced (normally long before). So checkpoints are announced in
     * step order, and an outage of the database or broker stalls training at the next checkpoint instead of queueing
     * them.
     */
    private Uni<Void> announceInOrder(CompletionStage<StepOutcome> written) {
        Context context = io.vertx.core.Vertx.currentContext();
        CompletableFuture<Void> announced = new CompletableFuture<>();
        CompletableFuture<Void> previous = lastAnnouncement.getAndSet(announced);
        onContext(previous, context).chain(() -> onContext(written, context)).chain(this::recordAndPublish)
                .subscribe().with(ignored -> announced.complete(null), e -> {
                    LOG.warnf("a checkpoint was not announced: %s", e.getMessage());
                    announced.complete(null);
                });
        return onContext(previous, context);
    }

    /**
     * The stage's item, emitted on the Vert.x context (where reactive database sessions live). Cancelling the Uni
     * leaves the stage alone: a checkpoint being written is not given up because one waiter stopped waiting.
     */
    private static <T> Uni<T> onContext(CompletionStage<T> stage, Context context) {
        return Uni.createFrom().emitter(emitter -> stage.whenComplete((item, failure) -> context.runOnContext(
                ignored -> {
                    if (failure == null) {
                        emitter.complete(item);
                    } else {
                        emitter.fail(failure);
                    }
                })));
    }

    /**
     * Saves, records and announces the steps since the last checkpoint when the service stops, while Kafka and the
     * database are still open (connectors close only when the beans are destroyed, after this event), once the
     * checkpoint before it is announced or has had {@link #ANNOUNCEMENT_AT_SHUTDOWN} to be.
     */
    void checkpointOnShutdown(@Observes ShutdownEvent event) {
        try {
            VertxContextSupport.subscribeAndAwait(() -> {
                Context context = io.vertx.core.Vertx.currentContext();
                return onContext(lastAnnouncement.get(), context)
                        .ifNoItem().after(ANNOUNCEMENT_AT_SHUTDOWN).recoverWithItem((Void) null)
                        .chain(() -> vertx.executeBlocking(Uni.createFrom().item(trainer::checkpointIfUnsaved)))
                        .chain(written -> onContext(written, context))
                        .chain(outcome -> outcome.checkpoint() == null ? Uni.createFrom().voidItem()
                                : recordOnce(outcome));
            });
        } catch (Throwable e) {
            LOG.warnf("the shutdown checkpoint was not recorded or announced: %s", e.getMessage());
        }
    }

    private Uni<Void> recordAndPublish(StepOutcome outcome) {
        return RetriedUntilTaken.retried(() -> recordOnce(outcome), e -> LOG.warnf(
                "recording step %d failed, retrying: %s", outcome.steps(), e.getMessage()));
    }

    private Uni<Void> recordOnce(StepOutcome outcome) {
        Uni<Void> recorded = runs.record(outcome).invoke(() -> recordedSteps.set(outcome.steps()));
        if (outcome.checkpoint() == null) {
            return recorded;
        }
        return recorded.chain(() -> checkpoints.send(WireCodec.encode(outcome.checkpoint())))
                .invoke(() -> commitToGroup(outcome.checkpointOffsets()));
    }

    /**
     * Mirrors a checkpoint's stream position into the consumer group, for lag monitoring and autoscaling, without
     * waiting for it: the commit runs on the consumer's polling thread between polls, up to a poll timeout later, and
     * it is advisory (a failed commit changes nothing about what is trained next).
     */
    private void commitToGroup(SortedMap<String, Long> offsets) {
        if (offsets == null || offsets.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        offsets.forEach((key, offset) -> commits.put(
                new TopicPartition(Checkpoints.offsetTopic(key), Checkpoints.offsetPartition(key)),
                new OffsetAndMetadata(offset)));
        kafka.getConsumer(Channels.SOFT_LABELS_IN).commit(commits).subscribe().with(
                committed -> LOG.debugf("group offsets committed: %s", offsets),
                e -> LOG.debugf("group offsets not committed (the checkpoint still holds them): %s", e.getMessage()));
    }
}
