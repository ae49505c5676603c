package dev.distill.label.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.Topics;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Builders for outgoing Kafka messages with a key and, for dead letters, the topic and the reason header. */
final class KafkaMessages {
    private KafkaMessages() {
    }

    static Message<byte[]> keyed(String key, byte[] payload) {
        return Message.of(payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }

    /** An example record for the examples' dead-letter topic, sent on the soft-label channel's transaction. */
    static Message<byte[]> exampleDeadLetter(byte[] payload, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Channels.DEAD_LETTER_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        return Message.of(payload == null ? new byte[0] : payload)
                .addMetadata(OutgoingKafkaRecordMetadata.builder()
                        .withTopic(Topics.deadLetter(Topics.EXAMPLES))
                        .withHeaders(headers)
                        .build());
    }
}
