package dev.distill.label.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.Topics;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Builders for outgoing Kafka messages with a key and, for dead letters, the topic and the reason header. */
final class KafkaMessages {
    private KafkaMessages() {
    }

    static Message<byte[]> keyed(String key, byte[] payload) {
        return Message.of(payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }

    /**
     * A soft-label batch, keyed by its id, with when its newest example entered the stream
     * ({@link Channels#NEWEST_EXAMPLE_AT_HEADER}; left out when unknown, a negative time).
     */
    static Message<byte[]> softLabels(String batchId, byte[] payload, long newestExampleAtMillis) {
        RecordHeaders headers = new RecordHeaders();
        if (newestExampleAtMillis >= 0) {
            header(headers, Channels.NEWEST_EXAMPLE_AT_HEADER, String.valueOf(newestExampleAtMillis));
        }
        return Message.of(payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(batchId)
                .withHeaders(headers).build());
    }

    /**
     * An example record for the examples' dead-letter topic, sent on the soft-label channel's transaction: its key and
     * value as they came, the reason, and where it was read.
     */
    static Message<byte[]> exampleDeadLetter(ConsumerRecord<String, byte[]> example, String reason) {
        RecordHeaders headers = new RecordHeaders();
        header(headers, Channels.DEAD_LETTER_REASON_HEADER, reason);
        header(headers, Channels.DEAD_LETTER_TOPIC_HEADER, example.topic());
        header(headers, Channels.DEAD_LETTER_PARTITION_HEADER, String.valueOf(example.partition()));
        header(headers, Channels.DEAD_LETTER_OFFSET_HEADER, String.valueOf(example.offset()));
        return Message.of(example.value() == null ? new byte[0] : example.value())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withTopic(Topics.deadLetter(Topics.EXAMPLES))
                        .withKey(example.key())
                        .withHeaders(headers)
                        .build());
    }

    private static void header(RecordHeaders headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
