package dev.distill.testkit;

import dev.distill.core.wire.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes records to, and reads them back from, the embedded broker of the running test. */
public final class KafkaTopics {
    private KafkaTopics() {
    }

    /** Sends one record and waits until the broker has it. */
    public static void send(String topic, String key, byte[] value) {
        send(new ProducerRecord<>(topic, key, value));
    }

    /** Sends one record (with its own timestamp and headers, if it has them) and waits until the broker has it. */
    public static void send(ProducerRecord<String, byte[]> record) {
        String topic = record.topic();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                EmbeddedStackResource.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(record).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot send to " + topic + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending to " + topic, e);
        }
    }

    /**
     * Sends the records in one transaction, so that {@code read_committed} readers see all of them at once when it
     * commits: a backlog that builds faster than any reader.
     */
    public static void sendAtOnce(String topic, Map<String, byte[]> records) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                EmbeddedStackResource.bootstrapServers(), "transactional.id", "test-writer-" + UUID.randomUUID()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            records.forEach((key, value) -> producer.send(new ProducerRecord<>(topic, key, value)));
            producer.commitTransaction();
        }
    }

    /**
     * Reads the topic from the start (committed records only) until what was read satisfies {@code enough} or
     * {@code timeout} passes, and returns what it read.
     */
    public static List<ConsumerRecord<String, byte[]>> readUntil(String topic,
            Predicate<List<ConsumerRecord<String, byte[]>>> enough, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", EmbeddedStackResource.bootstrapServers(),
                "group.id", "test-reader-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest",
                "isolation.level", "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!enough.test(records) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** The records of the topic with these keys, read until each key has one, or {@code timeout} passes. */
    public static List<ConsumerRecord<String, byte[]>> readKeys(String topic, Set<String> keys, Duration timeout) {
        return readUntil(topic, records -> records.stream().map(ConsumerRecord::key).filter(keys::contains)
                .distinct().count() == keys.size(), timeout).stream()
                .filter(record -> keys.contains(record.key())).toList();
    }

    /** The dead-letter reason a service attached to the record, or {@code null}. */
    public static String deadLetterReason(ConsumerRecord<?, ?> record) {
        Header reason = record.headers().lastHeader(Channels.DEAD_LETTER_REASON_HEADER);
        return reason == null ? null : new String(reason.value(), StandardCharsets.UTF_8);
    }
}
