package dev.distill.label.messaging;

import io.quarkus.arc.Arc;
import io.smallrye.common.annotation.Identifier;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Tells {@link ExampleFetchGate} of every poll that returned examples. Kafka creates it from the examples channel's
 * {@code interceptor.classes} and calls it on the polling thread, before SmallRye queues the poll for labelling.
 */
public class ExampleFetchInterceptor implements ConsumerInterceptor<String, byte[]> {
    private ExampleFetchGate gate;

    @Override
    public ConsumerRecords<String, byte[]> onConsume(ConsumerRecords<String, byte[]> records) {
        if (gate == null) {
            gate = Arc.container().select(ExampleFetchGate.class, Identifier.Literal.of(ExampleFetchGate.NAME)).get();
        }
        gate.fetched();
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
