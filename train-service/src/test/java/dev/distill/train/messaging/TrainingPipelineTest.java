package dev.distill.train.messaging;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.wire.Channels;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.testkit.EmbeddedStackResource;
import dev.distill.testkit.KafkaTopics;
import dev.distill.testkit.LogCapture;
import dev.distill.train.TrainTestProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(TrainTestProfile.class)
@QuarkusTestResource(EmbeddedStackResource.class)
class TrainingPipelineTest {

    /**
     * An example id with a newline would split the checkpoint ledger (one id per line) that the exactly-once audit
     * reads: its batch is dead-lettered with the reason, and the next batch is trained and ledgered line by line.
     */
    @Test
    void aSoftLabelIdWithANewlineIsDeadLetteredAndTheLedgerStaysOneIdPerLine() throws IOException {
        String tokenizerId = SoftLabelBatches.tokenizerId();
        String prefix = UUID.randomUUID().toString();
        SoftLabelBatch poison = new SoftLabelBatch(prefix + "-poison", "teacher", tokenizerId, 2f, List.of(
                new SoftLabel(prefix + "-fine", "a fine film", 1, new float[] {0.1f, 0.9f}),
                new SoftLabel(prefix + "-split\nid", "a dull film", 0, new float[] {0.8f, 0.2f})));
        List<SoftLabel> goodLabels = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            goodLabels.add(new SoftLabel(prefix + "-good-" + i, "film number " + i, i % 2, new float[] {0.3f, 0.7f}));
        }
        SoftLabelBatch good = new SoftLabelBatch(prefix + "-good", "teacher", tokenizerId, 2f, goodLabels);
        KafkaTopics.send(Topics.SOFT_LABELS, poison.batchId(), WireCodec.encode(poison));
        KafkaTopics.send(Topics.SOFT_LABELS, good.batchId(), WireCodec.encode(good));

        List<ConsumerRecord<String, byte[]>> dead = KafkaTopics.readKeys(Topics.deadLetter(Topics.SOFT_LABELS),
                Set.of(poison.batchId()), Duration.ofSeconds(60));
        assertEquals(1, dead.size(), "the batch with the newline id is dead-lettered");
        String reason = KafkaTopics.deadLetterReason(dead.get(0));
        assertTrue(reason.contains("example id contains a control character (U+000A)"), reason);

        List<String> ledger = awaitLedgered(prefix, goodLabels.size());
        assertEquals(goodLabels.stream().map(SoftLabel::exampleId).toList(), ledger,
                "the ledger lists the good batch's ids, one per line, and nothing of the refused one");
        given().get("/q/health/ready").then().statusCode(200);
    }

    /**
     * A run trains on one label set: its first batch (or a batch that does not name its classes) fixes it to two
     * classes here, and a batch that labels three others is dead-lettered saying so.
     */
    @Test
    void aBatchOfAnotherLabelSetIsDeadLettered() {
        LogCapture warnings = LogCapture.of(TrainingPipeline.class, Level.WARNING);
        String tokenizerId = SoftLabelBatches.tokenizerId();
        String prefix = UUID.randomUUID().toString();
        SoftLabelBatch twoClasses = new SoftLabelBatch(prefix + "-two", "teacher", tokenizerId, 2f, null, List.of(
                new SoftLabel(prefix + "-a", "a fine film", 1, new float[] {0.1f, 0.9f})), List.of("0", "1"));
        SoftLabelBatch threeClasses = new SoftLabelBatch(prefix + "-three", "teacher", tokenizerId, 2f, null,
                List.of(new SoftLabel(prefix + "-b", "stocks fell", 2, new float[] {0.1f, 0.2f, 0.7f})),
                List.of("World", "Sports", "Business"));
        KafkaTopics.send(Topics.SOFT_LABELS, twoClasses.batchId(), WireCodec.encode(twoClasses));
        KafkaTopics.send(Topics.SOFT_LABELS, threeClasses.batchId(), WireCodec.encode(threeClasses));
        List<ConsumerRecord<String, byte[]>> dead = KafkaTopics.readKeys(Topics.deadLetter(Topics.SOFT_LABELS),
                Set.of(threeClasses.batchId()), Duration.ofSeconds(60));
        assertEquals(1, dead.size());
        String reason = KafkaTopics.deadLetterReason(dead.get(0));
        assertTrue(reason.contains("labels the classes [World, Sports, Business], but this run's student has [0, 1]"),
                reason);
        warnings.close();
        assertTrue(warnings.messages().stream().anyMatch(message -> message.contains(threeClasses.batchId())
                && message.contains("sent to the dead-letter topic") && message.contains(reason)),
                "the dead letter is logged with its key and reason: " + warnings.messages());
    }

    /**
     * Checkpoints are written while training goes on and announced in step order: each one this stream made is
     * announced once its directory holds it, continues the one announced before it, and together their ledgers list
     * every example once.
     */
    @Test
    void checkpointsWrittenWhileTrainingGoesOnAreAnnouncedInStepOrder() throws IOException {
        String tokenizerId = SoftLabelBatches.tokenizerId();
        String prefix = UUID.randomUUID().toString();
        int records = 120; // one step each: at least two checkpoints at 50 steps apart
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            SoftLabelBatch batch = SoftLabelBatches.batch(prefix + "-" + i, "teacher", tokenizerId, 1, null);
            ids.add(batch.labels().get(0).exampleId());
            SoftLabelBatches.send(batch);
        }
        List<String> ledgered = awaitLedgered(prefix, records);
        assertEquals(Set.copyOf(ids), Set.copyOf(ledgered), "every example is in a checkpoint's ledger");
        assertEquals(records, ledgered.size(), "and in one only");

        Set<String> ours = new HashSet<>();
        for (Path checkpoint : writtenCheckpoints()) {
            if (Checkpoints.readAppliedExamples(checkpoint).stream().anyMatch(id -> id.startsWith(prefix))) {
                ours.add(Checkpoints.readManifest(checkpoint).checkpointId());
            }
        }
        List<CheckpointEvent> announced = KafkaTopics.readUntil(Topics.CHECKPOINTS, read -> events(read).stream()
                        .map(CheckpointEvent::checkpointId).collect(Collectors.toSet()).containsAll(ours),
                Duration.ofSeconds(60)).stream().map(record -> WireCodec.decode(record.value(), CheckpointEvent.class))
                .filter(event -> ours.contains(event.checkpointId())).toList();
        assertTrue(announced.size() >= 2, "checkpoints of this stream: " + announced);
        assertEquals(ours, announced.stream().map(CheckpointEvent::checkpointId).collect(Collectors.toSet()));
        for (int i = 0; i < announced.size(); i++) {
            CheckpointManifest manifest = Checkpoints.readManifest(Path.of(announced.get(i).path()));
            assertEquals(announced.get(i).step(), manifest.step());
            if (i > 0) {
                assertTrue(announced.get(i).step() > announced.get(i - 1).step(), "announced in step order");
                assertEquals(announced.get(i - 1).checkpointId(), manifest.parentCheckpointId());
            }
        }
    }

    /**
     * A checkpoint saves when the newest example it learnt from entered the stream (the soft-label record's header)
     * and was labelled (the record's timestamp); an unreadable header is no reason to refuse a batch.
     */
    @Test
    void aCheckpointSavesWhenItsNewestExampleEnteredAndWasLabelled() throws IOException {
        String tokenizerId = SoftLabelBatches.tokenizerId();
        String prefix = UUID.randomUUID().toString();
        // newer than any example before it, within the broker's hour; Kafka times are in milliseconds
        Instant entered = Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.MILLIS);
        Instant labelled = entered.plusMillis(1234);
        SoftLabelBatch dated = SoftLabelBatches.batch(prefix + "-dated", "teacher", tokenizerId, 3, null);
        SoftLabelBatch garbled = SoftLabelBatches.batch(prefix + "-garbled", "teacher", tokenizerId, 3, null);
        KafkaTopics.send(new ProducerRecord<>(Topics.SOFT_LABELS, null, labelled.toEpochMilli(), dated.batchId(),
                WireCodec.encode(dated), List.of(new RecordHeader(Channels.NEWEST_EXAMPLE_AT_HEADER,
                String.valueOf(entered.toEpochMilli()).getBytes(StandardCharsets.UTF_8)))));
        KafkaTopics.send(new ProducerRecord<>(Topics.SOFT_LABELS, null, null, garbled.batchId(),
                WireCodec.encode(garbled), List.of(new RecordHeader(Channels.NEWEST_EXAMPLE_AT_HEADER,
                "soon".getBytes(StandardCharsets.UTF_8)))));
        awaitLedgered(prefix, 6);

        for (Path checkpoint : writtenCheckpoints()) {
            if (Checkpoints.readAppliedExamples(checkpoint).stream().anyMatch(id -> id.startsWith(prefix))) {
                CheckpointManifest.StreamTimes times = Checkpoints.readManifest(checkpoint).streamTimes();
                assertEquals(new CheckpointManifest.StreamTimes(entered.toString(), labelled.toString()), times,
                        checkpoint.toString());
            }
        }
    }

    private static List<CheckpointEvent> events(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(record -> WireCodec.decode(record.value(), CheckpointEvent.class)).toList();
    }

    /**
     * The checkpoint directories written so far: a {@code .tmp-} directory is one still being written (checkpoints
     * are written while training goes on), not a checkpoint yet.
     */
    private static List<Path> writtenCheckpoints() throws IOException {
        if (!Files.isDirectory(TrainTestProfile.CHECKPOINT_DIR)) {
            return List.of();
        }
        try (Stream<Path> checkpoints = Files.list(TrainTestProfile.CHECKPOINT_DIR)) {
            return checkpoints.filter(dir -> !dir.getFileName().toString().startsWith(".tmp-")).sorted().toList();
        }
    }

    /** Every ledger line of every checkpoint written so far that starts with {@code prefix}. */
    private static List<String> awaitLedgered(String prefix, int expected) throws IOException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = new ArrayList<>();
            for (Path checkpoint : writtenCheckpoints()) {
                Checkpoints.readAppliedExamples(checkpoint).stream().filter(line -> line.startsWith(prefix))
                        .forEach(lines::add);
            }
            if (lines.size() >= expected) {
                return lines;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return lines;
    }
}
