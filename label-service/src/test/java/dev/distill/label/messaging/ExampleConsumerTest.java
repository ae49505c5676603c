package dev.distill.label.messaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.wire.Channels;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.label.LabelTestProfile;
import dev.distill.label.config.LabelConfig;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.KafkaTopics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * Examples arriving on Kafka pass the same checks as the REST ingest: each invalid one goes to the dead-letter topic
 * with its reason, and the valid one beside them is labelled; a backlog waits on the broker, not in memory.
 */
@QuarkusTest
@TestProfile(LabelTestProfile.class)
@QuarkusTestResource(value = EmbeddedStackResource.class, initArgs = @ResourceArg(name = "database",
        value = "false"))
class ExampleConsumerTest {
    @Inject
    KafkaClientService kafka;
    @Inject
    MeterRegistry registry;
    @Inject
    LabelConfig config;

    @Test
    void invalidExamplesAreDeadLetteredWithTheirReasonAndTheValidOneIsLabelled() {
        String prefix = UUID.randomUUID().toString();
        Map<String, byte[]> bad = Map.of(
                prefix + "-not-json", "{not json".getBytes(StandardCharsets.UTF_8),
                prefix + "-empty", WireCodec.encode(new TextExample(prefix + "-empty", " ", "1")),
                prefix + "-long", WireCodec.encode(new TextExample(prefix + "-long", "a".repeat(20_001), "1")),
                prefix + "-label", WireCodec.encode(new TextExample(prefix + "-label", "a film", "sports")));
        bad.forEach((key, value) -> KafkaTopics.send(Topics.EXAMPLES, key, value));
        TextExample good = new TextExample(prefix + "-good", "a fine film", "1");
        KafkaTopics.send(Topics.EXAMPLES, good.id(), WireCodec.encode(good));

        // dead letters carry the example's record as it came: its key, its bytes, and where it was read
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<String, byte[]> dead : KafkaTopics.readKeys(Topics.deadLetter(Topics.EXAMPLES),
                bad.keySet(), Duration.ofSeconds(60))) {
            assertArrayEquals(bad.get(dead.key()), dead.value(), dead.key());
            assertEquals(Topics.EXAMPLES, header(dead, Channels.DEAD_LETTER_TOPIC_HEADER));
            assertTrue(header(dead, Channels.DEAD_LETTER_OFFSET_HEADER).matches("\\d+"), dead.key());
            assertTrue(header(dead, Channels.DEAD_LETTER_PARTITION_HEADER).matches("\\d+"), dead.key());
            reasons.put(dead.key(), KafkaTopics.deadLetterReason(dead));
        }
        assertEquals(bad.keySet(), reasons.keySet(), "dead letters: " + reasons);
        assertTrue(reasons.get(prefix + "-empty").contains("text is empty"), reasons.toString());
        assertTrue(reasons.get(prefix + "-long").contains("text has 20001 characters, the limit is 20000"),
                reasons.toString());
        assertTrue(reasons.get(prefix + "-label").contains("label \"sports\" is not one of [0, 1]"),
                reasons.toString());
        assertTrue(reasons.get(prefix + "-not-json") != null && !reasons.get(prefix + "-not-json").isBlank());

        List<ConsumerRecord<String, byte[]>> softLabels = KafkaTopics.readUntil(Topics.SOFT_LABELS,
                records -> labelledIds(records).contains(good.id()), Duration.ofSeconds(60));
        Set<String> labelled = labelledIds(softLabels);
        assertTrue(labelled.contains(good.id()), "soft labels for " + labelled);
        assertTrue(labelled.stream().noneMatch(bad::containsKey), "no invalid example was labelled: " + labelled);
    }

    /**
     * A soft-label record says when its newest example entered the examples topic (that record's timestamp), so that
     * train-service can tell how fresh a checkpoint is.
     */
    @Test
    void aSoftLabelRecordSaysWhenItsExampleEnteredTheStream() {
        TextExample example = new TextExample(UUID.randomUUID() + "-dated", "a film of some age", "1");
        long entered = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        KafkaTopics.send(new ProducerRecord<>(Topics.EXAMPLES, null, entered, example.id(),
                WireCodec.encode(example)));
        ConsumerRecord<String, byte[]> labelled = KafkaTopics.readUntil(Topics.SOFT_LABELS,
                        records -> labelledIds(records).contains(example.id()), Duration.ofSeconds(60)).stream()
                .filter(record -> labelledIds(List.of(record)).contains(example.id())).findFirst().orElseThrow();
        assertEquals(String.valueOf(entered), header(labelled, Channels.NEWEST_EXAMPLE_AT_HEADER));
        assertTrue(labelled.timestamp() > entered, "labelled after it entered");
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /**
     * A backlog that appears at once is read one poll ahead of the labelling (the poll being labelled and the next),
     * not into memory as fast as the broker serves it: {@link ExampleFetchGate}.
     */
    @Test
    void aBacklogIsReadOnlyOnePollAheadOfTheLabelling() {
        Function<Consumer<String, byte[]>, Metric> recordsConsumed = consumer -> consumer.metrics().entrySet()
                .stream().filter(metric -> metric.getKey().name().equals("records-consumed-total")
                        && !metric.getKey().tags().containsKey("topic")).map(Map.Entry::getValue)
                .findFirst().orElseThrow();
        Metric consumed = kafka.<String, byte[]>getConsumer(Channels.EXAMPLES_IN).runOnPollingThread(recordsConsumed)
                .await().atMost(Duration.ofSeconds(30));
        Counter labelled = registry.counter(MetricNames.LABEL_EXAMPLES); // the same counter as LabelingService
        int poll = config.maxPollExamples();
        int backlog = 12 * poll;
        String prefix = UUID.randomUUID().toString();
        Map<String, byte[]> examples = new LinkedHashMap<>();
        for (int i = 0; i < backlog; i++) {
            examples.put(prefix + "-" + i, WireCodec.encode(new TextExample(prefix + "-" + i, "film " + i, "1")));
        }
        double consumedBefore = value(consumed);
        double labelledBefore = labelled.count();
        KafkaTopics.sendAtOnce(Topics.EXAMPLES, examples);

        double mostAhead = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (labelled.count() - labelledBefore < backlog && System.nanoTime() < deadline) {
            double read = value(consumed) - consumedBefore; // read first: the labelling only catches up meanwhile
            mostAhead = Math.max(mostAhead, read - (labelled.count() - labelledBefore));
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
        }
        assertEquals(backlog, labelled.count() - labelledBefore, "examples labelled");
        assertTrue(mostAhead > poll / 2.0, "the backlog was read ahead at all: " + mostAhead);
        assertTrue(mostAhead <= 2 * poll, "examples read but not labelled, at most: " + mostAhead + ", polls of "
                + poll);
    }

    private static double value(Metric metric) {
        return ((Number) metric.metricValue()).doubleValue();
    }

    private static Set<String> labelledIds(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().flatMap(record -> SoftLabelCodec.decode(record.value()).labels().stream())
                .map(SoftLabel::exampleId).collect(Collectors.toSet());
    }
}
