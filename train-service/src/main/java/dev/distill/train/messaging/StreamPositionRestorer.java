package dev.distill.train.messaging;

import dev.distill.train.ml.StudentTrainer;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Moves the consumer to the student's own stream position whenever it is given partitions. The checkpoint, not the
 * consumer group, is the truth about what the student has learnt from: group offsets are committed only after a
 * checkpoint, so after a crash they can lag it, and a partition the student never read keeps the group's position.
 */
@ApplicationScoped
@Identifier(StreamPositionRestorer.NAME)
public class StreamPositionRestorer implements KafkaConsumerRebalanceListener {
    static final String NAME = "student-stream-position";
    private static final Logger LOG = Logger.getLogger(StreamPositionRestorer.class);

    private final StudentTrainer trainer;

    public StreamPositionRestorer(StudentTrainer trainer) {
        this.trainer = trainer;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            trainer.nextOffset(partition.topic(), partition.partition()).ifPresent(offset -> {
                LOG.infof("reading %s from offset %d, where the student stands", partition, offset);
                consumer.seek(partition, offset);
            });
        }
    }
}
