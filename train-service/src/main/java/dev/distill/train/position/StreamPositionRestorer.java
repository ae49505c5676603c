package dev.distill.train.position;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Moves the consumer to the student's own {@link StreamPosition} whenever it is given partitions. Group offsets are
 * committed only after a checkpoint, so after a crash they can lag it; a partition the student never read keeps the
 * group's position.
 */
@ApplicationScoped
@Identifier(StreamPositionRestorer.NAME)
public class StreamPositionRestorer implements KafkaConsumerRebalanceListener {
    /** The listener's name, as {@code mp.messaging.incoming.soft-labels-in.consumer-rebalance-listener.name}. */
    public static final String NAME = "student-stream-position";
    private static final Logger LOG = Logger.getLogger(StreamPositionRestorer.class);

    private final StreamPosition position;

    public StreamPositionRestorer(StreamPosition position) {
        this.position = position;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            position.next(partition.topic(), partition.partition()).ifPresent(offset -> {
                LOG.infof("reading %s from offset %d, where the student stands", partition, offset);
                consumer.seek(partition, offset);
            });
        }
    }
}
