package dev.distill.label.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.label.LabelTestProfile;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.KafkaTopics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Examples arriving on Kafka pass the same checks as the REST ingest: each invalid one goes to the dead-letter topic
 * with its reason, and the valid one beside them is labelled.
 */
@QuarkusTest
@TestProfile(LabelTestProfile.class)
@QuarkusTestResource(value = EmbeddedStackResource.class, initArgs = @ResourceArg(name = "database",
        value = "false"))
class ExampleConsumerTest {

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

        // dead letters carry the example's record as it came, so they are told apart by their bytes
        Map<String, String> reasons = new HashMap<>();
        KafkaTopics.readUntil(Topics.deadLetter(Topics.EXAMPLES), records -> {
            records.forEach(record -> bad.forEach((key, value) -> {
                if (Arrays.equals(value, record.value())) {
                    reasons.put(key, KafkaTopics.deadLetterReason(record));
                }
            }));
            return reasons.size() == bad.size();
        }, Duration.ofSeconds(60));
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

    private static Set<String> labelledIds(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().flatMap(record -> SoftLabelCodec.decode(record.value()).labels().stream())
                .map(SoftLabel::exampleId).collect(Collectors.toSet());
    }
}
