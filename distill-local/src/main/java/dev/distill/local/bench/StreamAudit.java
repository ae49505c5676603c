package dev.distill.local.bench;

import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.Topics;
import dev.distill.local.launch.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Exactly-once by example id, as the fault-injection test and the soak check it: how often each example is in the
 * committed soft-label log, and how often in the ledgers of the final checkpoint's lineage (a retired checkpoint keeps
 * its manifest and ledger, only its weights go).
 */
public final class StreamAudit {
    private StreamAudit() {
    }

    /** Example ids in the committed soft-label log with how often each occurs; reads until {@code expected} are. */
    public static Map<String, Integer> labelledExampleIds(String bootstrap, int expected, Duration timeout) {
        Map<String, Integer> ids = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrap, "isolation.level", "read_committed", "max.poll.records", "2000"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.SOFT_LABELS).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ids.size() < expected && System.nanoTime() < deadline) {
                count(consumer.poll(Duration.ofSeconds(1)), ids);
            }
            // anything committed after the last id arrived would be a duplicate: read a little longer
            for (int i = 0; i < 3; i++) {
                count(consumer.poll(Duration.ofSeconds(1)), ids);
            }
        }
        return ids;
    }

    private static void count(Iterable<ConsumerRecord<String, byte[]>> records, Map<String, Integer> ids) {
        for (ConsumerRecord<String, byte[]> record : records) {
            for (SoftLabel label : SoftLabelCodec.decode(record.value()).labels()) {
                ids.merge(label.exampleId(), 1, Integer::sum);
            }
        }
    }

    /** Waits for the newest valid checkpoint under {@code root} to hold at least {@code examples} examples. */
    public static Path awaitCheckpointCovering(Path root, long examples, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Path newest = Checkpoints.newestValid(root, reason -> { }).orElse(null);
            if (newest != null && Checkpoints.readManifest(newest).examplesSeen() >= examples) {
                return newest;
            }
            ServiceProcess.sleep(1000);
        }
        throw new AssertionError("no checkpoint covers " + examples + " examples within " + timeout);
    }

    /** The checkpoint and its ancestors, newest first. */
    public static List<Path> lineage(Path checkpoint) {
        List<Path> chain = new ArrayList<>();
        for (Path current = checkpoint; current != null; ) {
            chain.add(current);
            String parent = Checkpoints.readManifest(current).parentCheckpointId();
            current = parent == null ? null : checkpointWithId(current.getParent(), parent);
        }
        return chain;
    }

    /** Example ids in the ledgers of these checkpoints, with how often each occurs. */
    public static Map<String, Integer> trainedExampleIds(Collection<Path> checkpoints) {
        Map<String, Integer> trained = new HashMap<>();
        for (Path checkpoint : checkpoints) {
            Checkpoints.readAppliedExamples(checkpoint).forEach(id -> trained.merge(id, 1, Integer::sum));
        }
        return trained;
    }

    private static Path checkpointWithId(Path root, String checkpointId) {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(path -> path.getFileName().toString().endsWith("-" + checkpointId)).findFirst()
                    .orElseThrow(() -> new AssertionError("parent checkpoint " + checkpointId + " is missing"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Occurrences beyond the first, summed over ids. */
    public static int duplicates(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(count -> count - 1).sum();
    }

    /** Ids of {@code sent} that {@code counts} lacks. */
    public static int lost(Collection<String> sent, Map<String, Integer> counts) {
        return (int) sent.stream().filter(id -> !counts.containsKey(id)).count();
    }
}
