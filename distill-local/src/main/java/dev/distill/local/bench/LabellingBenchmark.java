package dev.distill.local.bench;

import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.text.LengthBatching;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.bench.ServiceComparison.ModelTime;
import dev.distill.local.bench.ServiceComparison.Repetition;
import dev.distill.local.launch.LabelServiceSettings;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Labelling throughput through label-service (Kafka in, Kafka out) against a bare DJL predictor loop on the same
 * teacher, batch size and sequence length; and with 1, 2 and 4 workers on a 4-partition topic, duplicates counted.
 */
final class LabellingBenchmark {
    /** Unmeasured passes over the data before the measured repetitions. */
    static final int WARM_UP_PASSES = 2;

    private final PrintStream out;
    private final Path project;
    private final Path tokenizer;
    /** Examples label-service reads per poll and labels in one transaction, in length-ordered batches. */
    private final int pollExamples;
    /** The engine label-service and the bare loop run the teacher on: {@code pytorch} or {@code onnx-runtime}. */
    private final String teacherEngine;

    LabellingBenchmark(PrintStream out, Path project, Path tokenizer, int pollExamples, String teacherEngine) {
        this.out = out;
        this.project = project;
        this.tokenizer = tokenizer;
        this.pollExamples = pollExamples;
        this.teacherEngine = teacherEngine;
    }

    Map<String, Object> measure(EmbeddedStack stack, Path outDir, Path teacher, List<String> texts,
            int batchSize, int repetitions) {
        out.println("labelling: label-service vs a bare predictor loop");
        List<Repetition> bare = new ArrayList<>();
        List<Repetition> service = new ArrayList<>();
        try (ServiceProcess label = startLabel(stack, outDir, teacher, batchSize, "labelling-1")) {
            // Warm-up of both sides, WARM_UP_PASSES over the whole data (JIT compilation, engine caches), not
            // measured: a service JVM compiles far more code than the bare loop, and its compiler threads would
            // take CPU from the engine.
            for (int pass = 0; pass < WARM_UP_PASSES; pass++) {
                bareLabelling(teacher, texts, batchSize);
                serviceLabelling(stack, texts, "label-warm-up-" + pass);
            }
            for (int rep = 0; rep < repetitions; rep++) {
                bare.add(bareLabelling(teacher, texts, batchSize));
                service.add(serviceRepetition(stack, label, texts, "label-" + rep));
                ServiceComparison.printRepetition(out, rep, bare.get(rep), service.get(rep), "teacher batch");
            }
        }
        return ServiceComparison.comparison(bare, service);
    }

    /** One pass through label-service, with the mean time of its teacher batches. */
    Repetition serviceRepetition(EmbeddedStack stack, ServiceProcess label, List<String> texts, String tag) {
        ModelTime before = ModelTime.read(label, MetricNames.LABEL_BATCH);
        double throughput = serviceLabelling(stack, texts, tag).throughput();
        return new Repetition(throughput, ModelTime.read(label, MetricNames.LABEL_BATCH).meanMillisSince(before));
    }

    /** The teacher checkpoint on this benchmark's engine. */
    TextClassifier loadTeacher(Path teacher) {
        return teacherEngine.equals("onnx-runtime") ? TextClassifier.loadOnOnnxRuntime(teacher, tokenizer)
                : TextClassifier.load(teacher, tokenizer, Devices.preferred());
    }

    private Repetition bareLabelling(Path teacher, List<String> texts, int batchSize) {
        try (TextClassifier model = loadTeacher(teacher)) {
            return EngineLoops.inference(model, polledBatches(texts, String::length, batchSize));
        }
    }

    /** The batching label-service does: polls of pollExamples, cut into length-ordered teacher batches. */
    <T> List<List<T>> polledBatches(List<T> items, ToIntFunction<T> length, int batchSize) {
        List<List<T>> batches = new ArrayList<>();
        for (int from = 0; from < items.size(); from += pollExamples) {
            batches.addAll(LengthBatching.batches(items.subList(from, Math.min(items.size(), from + pollExamples)),
                    length, batchSize));
        }
        return batches;
    }

    /** What came out of label-service for one tagged stream. */
    private record Labelled(double throughput, int labels, int duplicates) {
    }

    /**
     * Sends the texts to the examples topic at once (the backlog makes the service run flat out) and reads the
     * committed soft labels of this stream; throughput runs from the first example sent to the time stamp of the
     * last soft-label record (same machine, same clock).
     */
    private Labelled serviceLabelling(EmbeddedStack stack, List<String> texts, String tag) {
        String kafka = stack.kafka().bootstrapServers();
        // Few, large fetches: the reader shares the CPU with the service it measures.
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka,
                "isolation.level", "read_committed", "fetch.min.bytes", "1048576", "fetch.max.wait.ms", "500"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.SOFT_LABELS).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            long sentAt = sendExamples(stack, texts, tag);
            Map<String, Integer> seen = new HashMap<>();
            long last = -1;
            long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
            while (seen.size() < texts.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    SoftLabelBatch batch = SoftLabelCodec.decode(record.value());
                    for (SoftLabel label : batch.labels()) {
                        if (label.exampleId().startsWith(tag + "-")) {
                            seen.merge(label.exampleId(), 1, Integer::sum);
                            last = Math.max(last, record.timestamp());
                        }
                    }
                }
            }
            if (seen.size() < texts.size()) {
                throw new IllegalStateException("label-service labelled " + seen.size() + " of " + texts.size()
                        + " examples within 20 minutes");
            }
            int duplicates = seen.values().stream().mapToInt(count -> count - 1).sum();
            double seconds = Math.max(1, last - sentAt) / 1e3;
            return new Labelled(texts.size() / seconds, seen.size(), duplicates);
        }
    }

    /**
     * Sends the texts to the examples topic at once, ids {@code <tag>-<index>}.
     *
     * @return when the first went out, {@link System#currentTimeMillis} (as Kafka's record time stamps)
     */
    static long sendExamples(EmbeddedStack stack, List<String> texts, String tag) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers(), "linger.ms", "5"), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.partitionsFor(Topics.EXAMPLES); // connected before the clock starts
            long sentAt = System.currentTimeMillis();
            for (int i = 0; i < texts.size(); i++) {
                TextExample example = new TextExample(tag + "-" + i, texts.get(i), null);
                producer.send(new ProducerRecord<>(Topics.EXAMPLES, example.id(), WireCodec.encode(example)));
            }
            return sentAt;
        }
    }

    ServiceProcess startLabel(EmbeddedStack stack, Path outDir, Path teacher, int batchSize, String worker) {
        return startLabel(labelSettings(stack, teacher, batchSize, worker), outDir, worker);
    }

    ServiceProcess startLabel(LabelServiceSettings settings, Path outDir, String worker) {
        return ServiceProcess.start(settings, project, outDir.resolve("logs").resolve(worker));
    }

    LabelServiceSettings labelSettings(EmbeddedStack stack, Path teacher, int batchSize, String worker) {
        return ServiceSettings.label(stack.kafka().bootstrapServers()).teacher(teacher).teacherEngine(teacherEngine)
                .tokenizer(tokenizer).workerId(worker).maxBatchSize(batchSize).maxPollExamples(pollExamples);
    }

    // (4) scaling ------------------------------------------------------------------------------------------------

    List<Map<String, Object>> measureScaling(EmbeddedStack stack, Path outDir, Path teacher,
            List<String> texts, int batchSize, int examples) {
        out.println("scaling: 1, 2 and 4 label workers on a 4-partition topic");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int workers : List.of(1, 2, 4)) {
            List<ServiceProcess> started = new ArrayList<>();
            try {
                for (int i = 1; i <= workers; i++) {
                    started.add(startLabel(stack, outDir, teacher, batchSize, "scaling-" + workers + "-" + i));
                }
                awaitStableGroup(stack, "label-service", workers);
                Labelled result = serviceLabelling(stack, texts.subList(0, examples), "scale" + workers);
                out.printf("      %d worker(s): %.1f examples/s, %d labelled, %d duplicates%n", workers,
                        result.throughput(), result.labels(), result.duplicates());
                rows.add(Map.of("workers", workers, "examplesPerSecond", result.throughput(),
                        "labelled", result.labels(), "duplicates", result.duplicates()));
            } finally {
                started.forEach(ServiceProcess::close);
            }
        }
        return rows;
    }

    private static void awaitStableGroup(EmbeddedStack stack, String group, int members) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
            while (System.nanoTime() < deadline) {
                ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                        .describedGroups().get(group).get();
                if (description.groupState() == GroupState.STABLE && description.members().size() == members) {
                    return;
                }
                ServiceProcess.sleep(500);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe group " + group + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        throw new IllegalStateException("group " + group + " did not settle with " + members + " members");
    }
}
