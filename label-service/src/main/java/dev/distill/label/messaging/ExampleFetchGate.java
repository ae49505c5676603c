package dev.distill.label.messaging;

import dev.distill.core.wire.Channels;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Keeps the examples consumer one poll ahead of the labelling: fetching pauses once a poll has returned examples and
 * resumes when the labelling takes that poll, so a backlog waits on the broker, not in memory. SmallRye's own
 * back-pressure ({@code pause-if-no-requests}, off for this channel) let a backlog of 12 polls be read at once (the
 * stream behind the channel requests polls ahead), and re-polls a paused consumer every 2 ms: a busy loop beside a
 * teacher that keeps every core busy for the seconds a poll takes to label. Here a paused consumer waits out {@code
 * poll-timeout} in each poll.
 */
@ApplicationScoped
@Identifier(ExampleFetchGate.NAME)
public class ExampleFetchGate implements KafkaConsumerRebalanceListener {
    /** The name application.properties gives the examples channel's rebalance listener. */
    static final String NAME = "example-fetch-gate";
    private static final Logger LOG = Logger.getLogger(ExampleFetchGate.class);

    private final KafkaClientService kafka;

    public ExampleFetchGate(KafkaClientService kafka) {
        this.kafka = kafka;
    }

    /** A poll returned examples ({@link ExampleFetchInterceptor}, on the polling thread): fetch no more for now. */
    void fetched() {
        onPollingThread("pause", consumer -> consumer.pause(consumer.assignment()));
    }

    /** The labelling took a poll: fetch the next one while it labels. */
    void taken() {
        onPollingThread("resume", consumer -> consumer.resume(consumer.paused()));
    }

    /**
     * A rebalance drops the polls of revoked partitions that were waiting to be labelled, so none may be left to take
     * that would resume fetching.
     */
    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        consumer.resume(consumer.paused());
    }

    /** Runs after the current poll, as SmallRye orders all work on its consumer; nothing without a Kafka channel. */
    private void onPollingThread(String what, java.util.function.Consumer<Consumer<Object, Object>> action) {
        KafkaConsumer<Object, Object> consumer = kafka.getConsumer(Channels.EXAMPLES_IN);
        if (consumer != null) {
            consumer.runOnPollingThread(action).subscribe().with(done -> {
            }, failure -> LOG.warnf("cannot %s fetching examples: %s", what, failure.getMessage()));
        }
    }
}
