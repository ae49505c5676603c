package dev.distill.label.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.WireCodec;
import dev.distill.core.wire.WireFormatException;
import dev.distill.label.config.LabelConfig;
import dev.distill.label.service.ExampleValidator;
import dev.distill.label.service.LabelingService;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Labels examples in micro-batches, exactly once. Kafka delivers up to {@code label.max-poll-examples} examples per
 * poll, waiting up to {@code label.max-wait-ms} for a fetch to fill; they are labelled in teacher batches of {@code
 * label.max-batch-size}, ordered by length. The poll's soft labels, its dead letters and its consumed offsets are
 * committed in one Kafka transaction, whose cost is shared by the poll's batches: a worker that dies mid-batch leaves
 * an aborted transaction that {@code read_committed} readers never see, and the batch is labelled again by whichever
 * worker takes the partition over. The consumer reads one poll ahead of the labelling ({@link ExampleFetchGate}).
 */
@ApplicationScoped
public class ExampleConsumer {
    private static final Logger LOG = Logger.getLogger(ExampleConsumer.class);

    private final LabelingService labeling;
    private final ExampleFetchGate fetchGate;
    private final ExampleValidator validator;
    private final Vertx vertx;
    private final KafkaTransactions<byte[]> output;
    private final SoftLabelCodec codec;

    public ExampleConsumer(LabelingService labeling, @Identifier(ExampleFetchGate.NAME) ExampleFetchGate fetchGate,
            ExampleValidator validator, Vertx vertx,
            @Channel(Channels.SOFT_LABELS_OUT) @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
            KafkaTransactions<byte[]> output, LabelConfig config) {
        this.labeling = labeling;
        this.fetchGate = fetchGate;
        this.validator = validator;
        this.vertx = vertx;
        this.output = output;
        this.codec = new SoftLabelCodec(config.encoding(), config.topK());
    }

    /** What one poll turns into: soft-label batches and dead letters. */
    private record Labelled(List<Message<byte[]>> softLabels, List<Message<byte[]>> deadLetters) {
    }

    @Incoming(Channels.EXAMPLES_IN)
    public Uni<Void> label(Message<List<byte[]>> batch) {
        fetchGate.taken();
        List<ConsumerRecord<String, byte[]>> records = records(batch);
        return vertx.executeBlocking(Uni.createFrom().item(() -> label(records)))
                .chain(labelled -> output.withTransactionAndAck(batch, transaction -> {
                    labelled.deadLetters().forEach(transaction::send);
                    labelled.softLabels().forEach(transaction::send);
                    return Uni.createFrom().voidItem();
                }));
    }

    /** The poll's records, keys and positions included (the payload list has only the values). */
    @SuppressWarnings("unchecked")
    private static List<ConsumerRecord<String, byte[]>> records(Message<List<byte[]>> batch) {
        IncomingKafkaRecordBatchMetadata<String, byte[]> metadata = batch.getMetadata(
                IncomingKafkaRecordBatchMetadata.class).orElseThrow(() -> new IllegalStateException(
                "the examples channel must deliver Kafka record batches"));
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(metadata.count());
        metadata.getRecords().forEach(records::add);
        return records;
    }

    private Labelled label(List<ConsumerRecord<String, byte[]>> records) {
        List<TextExample> examples = new ArrayList<>(records.size());
        List<ConsumerRecord<String, byte[]>> exampleRecords = new ArrayList<>(records.size());
        Map<String, Long> enteredAt = new HashMap<>();
        List<Message<byte[]>> deadLetters = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            byte[] payload = record.value();
            String problem = validator.recordProblem(payload);
            if (problem == null) {
                try {
                    TextExample example = WireCodec.decode(payload, TextExample.class);
                    problem = validator.problem(example);
                    if (problem == null) {
                        examples.add(example);
                        exampleRecords.add(record);
                        enteredAt.merge(example.id(), record.timestamp(), Math::max);
                        continue;
                    }
                } catch (WireFormatException e) {
                    problem = e.getMessage();
                }
            }
            LOG.warnf("example record %s (partition %d, offset %d) sent to the dead-letter topic: %s", record.key(),
                    record.partition(), record.offset(), problem);
            deadLetters.add(KafkaMessages.exampleDeadLetter(record, problem));
        }
        if (examples.isEmpty()) {
            return new Labelled(List.of(), deadLetters);
        }
        try {
            return new Labelled(labeling.labelAll(examples).stream()
                    .map(batch -> KafkaMessages.softLabels(batch.batchId(), codec.encode(batch), newest(batch, enteredAt)))
                    .toList(), deadLetters);
        } catch (RuntimeException e) {
            // An example that makes the teacher fail would fail every retry: park the batch with the reason.
            String reason = "the teacher failed on this example's batch: " + e;
            LOG.errorf(e, "%d examples sent to the dead-letter topic", examples.size());
            exampleRecords.forEach(record -> deadLetters.add(KafkaMessages.exampleDeadLetter(record, reason)));
            return new Labelled(List.of(), deadLetters);
        }
    }

    /** When the newest example of the batch entered the examples topic, epoch milliseconds. */
    private static long newest(SoftLabelBatch batch, Map<String, Long> enteredAt) {
        return batch.labels().stream().mapToLong(label -> enteredAt.getOrDefault(label.exampleId(), -1L)).max()
                .orElse(-1L);
    }
}
