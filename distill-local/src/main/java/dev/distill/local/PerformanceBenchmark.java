package dev.distill.local;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.Sha256;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.metrics.MetricNames;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.text.LengthBatching;
import dev.distill.core.training.DistillationTrainer;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.SoftLabelEncoding;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.embedded.EmbeddedDatabase;
import dev.distill.embedded.EmbeddedStack;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
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
 * Measures, in one run, what the service layer costs on top of the engine and what soft labels cost on the wire:
 * (1) labelling throughput through label-service (Kafka in, Kafka out) against a bare DJL predictor loop on the same
 * teacher, batch size and sequence length; (2) training throughput through train-service against a bare training
 * loop on the same student and data; (3) bytes per soft label and the KL error of each encoding on SST-2 teacher
 * outputs; (4) labelling throughput with 1, 2 and 4 workers on a 4-partition topic, with duplicates counted; (5)
 * resident memory of each service over a long stream. Ratios are medians over {@code --repetitions}, each repetition
 * measuring both sides back to back. Writes {@code results.json} and {@code results.md}.
 */
public final class PerformanceBenchmark {
    private static final String USAGE = """
            usage: bench/performance [--repetitions 5] [--examples 8192] [--teacher-size HIDDEN,LAYERS,HEADS]
                                     [--student-size HIDDEN,LAYERS,HEADS] [--max-length 64] [--batch-size 32]
                                     [--poll-examples 1024] [--train-examples 8192]
                                     [--encoding-teacher-examples 8000]
                                     [--parts labelling,training,scaling,encodings,memory]
                                     [--scaling-examples N] [--memory-examples 100000]
                                     [--memory-warm-up 30% of memory-examples] [--out DIR]
            """;
    private static final String TRAIN_TEACHER_ID = "benchmark-teacher";
    /** Unmeasured passes over the data before the measured repetitions. */
    private static final int WARM_UP_PASSES = 2;
    private static final List<String> PARTS = List.of("labelling", "training", "scaling", "encodings", "memory");

    private final BenchmarkOptions options;
    private final PrintStream out;
    private final Path project;
    private final Path tokenizer;
    /** Examples label-service reads per poll and labels in one transaction, in length-ordered batches. */
    private int pollExamples;

    PerformanceBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.project = options.project();
        this.tokenizer = project.resolve("data/vocab/tokenizer.json");
    }

    public static void main(String[] args) {
        BenchmarkOptions.main(args, USAGE, options -> new PerformanceBenchmark(options, System.out).run());
    }

    Map<String, Object> run() {
        long started = System.nanoTime();
        Path outDir = options.outDir("performance");
        int repetitions = options.intOption("repetitions", 5);
        int examples = options.intOption("examples", 8192);
        int batchSize = options.intOption("batch-size", 32);
        pollExamples = options.intOption("poll-examples", 1024);
        int maxLength = options.intOption("max-length", 64);
        ModelConfig teacherSize = options.sizeOption("teacher-size", "256,4,4", maxLength);
        ModelConfig studentSize = options.sizeOption("student-size", "64,2,2", maxLength);
        Path trainFile = project.resolve("data/sst2/train.tsv");
        List<LabeledText> train = LabeledTsv.read(trainFile, LabelSet.of(trainFile), 0);
        List<String> texts = train.subList(0, Math.min(examples, train.size())).stream().map(LabeledText::text)
                .toList();
        out.printf("performance benchmark: %d examples, batch %d, max length %d, teacher %s, student %s, "
                + "%d repetitions%n", texts.size(), batchSize, maxLength, teacherSize, studentSize, repetitions);
        Path teacher = OfflineTraining.untrained("teacher", teacherSize, tokenizer, outDir.resolve("teacher"));

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("settings", Map.of("examples", texts.size(), "batchSize", batchSize, "maxLength", maxLength,
                "teacher", sizeName(teacherSize), "student", sizeName(studentSize), "repetitions", repetitions,
                "pollExamples", pollExamples,
                "cores", Runtime.getRuntime().availableProcessors()));
        List<String> parts = List.of(options.option("parts", String.join(",", PARTS)).split(","));
        try (EmbeddedStack stack = EmbeddedStack.start(outDir.resolve("stack"), Topics.all(), 4)) {
            if (parts.contains("labelling")) {
                results.put("labelling", measureLabelling(stack, outDir, teacher, texts, batchSize, repetitions));
            }
            if (parts.contains("training")) {
                results.put("training", measureTraining(stack, outDir, train, studentSize, batchSize, repetitions,
                        options.intOption("train-examples", 8192)));
            }
            if (parts.contains("scaling")) {
                results.put("scaling", measureScaling(stack, outDir, teacher, texts, batchSize,
                        options.intOption("scaling-examples", Math.min(texts.size(), 1024))));
            }
        }
        if (parts.contains("encodings")) {
            results.put("encodings", new EncodingBenchmark(options, out).measure(outDir, train, batchSize));
        }
        if (parts.contains("memory")) {
            int memoryExamples = options.intOption("memory-examples", 100_000);
            results.put("memory", measureMemory(outDir, train, batchSize, memoryExamples,
                    options.intOption("memory-warm-up", memoryExamples * 3 / 10)));
        }
        results.put("seconds", Math.round((System.nanoTime() - started) / 1e9));
        BenchmarkOptions.writeResults(outDir, results, table(results), out);
        return results;
    }

    // (1) labelling ----------------------------------------------------------------------------------------------

    private Map<String, Object> measureLabelling(EmbeddedStack stack, Path outDir, Path teacher, List<String> texts,
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
                ModelTime before = ModelTime.read(label, MetricNames.LABEL_BATCH);
                double throughput = serviceLabelling(stack, texts, "label-" + rep).throughput();
                service.add(new Repetition(throughput, ModelTime.read(label, MetricNames.LABEL_BATCH)
                        .meanMillisSince(before)));
                printRepetition(rep, bare.get(rep), service.get(rep), "teacher batch");
            }
        }
        return comparison(bare, service);
    }

    private Repetition bareLabelling(Path teacher, List<String> texts, int batchSize) {
        try (TextClassifier model = TextClassifier.open(teacher, tokenizer, Devices.preferred(), 128);
                Predictor<List<String>, TextClassifier.TeacherOutput> predictor =
                        model.newTeacherPredictor(new int[0])) {
            long start = System.nanoTime();
            long inModel = 0;
            int batches = 0;
            // The batching label-service does: polls of pollExamples, cut into length-ordered teacher batches.
            for (int from = 0; from < texts.size(); from += pollExamples) {
                List<String> poll = texts.subList(from, Math.min(texts.size(), from + pollExamples));
                for (List<String> batch : LengthBatching.batches(poll, String::length, batchSize)) {
                    long called = System.nanoTime();
                    predictor.predict(batch);
                    inModel += System.nanoTime() - called;
                    batches++;
                }
            }
            return new Repetition(texts.size() / ((System.nanoTime() - start) / 1e9), inModel / 1e6 / batches);
        } catch (TranslateException e) {
            throw new IllegalStateException("teacher inference failed: " + e.getMessage(), e);
        }
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
            long sentAt;
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka,
                    "linger.ms", "5"), new StringSerializer(), new ByteArraySerializer())) {
                producer.partitionsFor(Topics.EXAMPLES); // connected before the clock starts
                sentAt = System.currentTimeMillis();
                for (int i = 0; i < texts.size(); i++) {
                    TextExample example = new TextExample(tag + "-" + i, texts.get(i), null);
                    producer.send(new ProducerRecord<>(Topics.EXAMPLES, example.id(), WireCodec.encode(example)));
                }
            }
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

    private ServiceProcess startLabel(EmbeddedStack stack, Path outDir, Path teacher, int batchSize, String worker) {
        return ServiceProcess.start("label-service", project, ServiceProcess.freePort(), Map.of(
                        "kafka.bootstrap.servers", stack.kafka().bootstrapServers(),
                        "label.teacher", teacher.toString(),
                        "label.tokenizer", tokenizer.toString(),
                        "label.worker-id", worker,
                        "label.max-batch-size", String.valueOf(batchSize),
                        "label.max-poll-examples", String.valueOf(pollExamples)),
                outDir.resolve("logs").resolve(worker), ServiceProcess.djlCache(project));
    }

    // (2) training -----------------------------------------------------------------------------------------------

    private Map<String, Object> measureTraining(EmbeddedStack stack, Path outDir, List<LabeledText> train,
            ModelConfig student, int batchSize, int repetitions, int examples) {
        out.println("training: train-service vs a bare training loop");
        List<SoftLabel> labels = syntheticSoftLabels(train.subList(0, examples));
        List<Repetition> bare = new ArrayList<>();
        List<Repetition> service = new ArrayList<>();
        try (ServiceProcess trainService = startTrain(stack, outDir.resolve("train"), student, batchSize,
                TRAIN_TEACHER_ID)) {
            // Warm-up as for labelling.
            for (int pass = 0; pass < WARM_UP_PASSES; pass++) {
                bareTraining(student, labels, batchSize);
                serviceTraining(stack, trainService, labels, batchSize);
            }
            for (int rep = 0; rep < repetitions; rep++) {
                bare.add(bareTraining(student, labels, batchSize));
                ModelTime before = ModelTime.read(trainService, MetricNames.TRAIN_STEP);
                double throughput = serviceTraining(stack, trainService, labels, batchSize);
                service.add(new Repetition(throughput, ModelTime.read(trainService, MetricNames.TRAIN_STEP)
                        .meanMillisSince(before)));
                printRepetition(rep, bare.get(rep), service.get(rep), "step");
            }
        }
        return comparison(bare, service);
    }

    /** Soft labels as a teacher would send them: gold label and two logits per sentence. */
    private static List<SoftLabel> syntheticSoftLabels(List<LabeledText> rows) {
        Random random = new Random(5);
        List<SoftLabel> labels = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            float margin = (float) (random.nextGaussian() * 2);
            labels.add(new SoftLabel("train-" + i, rows.get(i).text(), rows.get(i).label(),
                    new float[] {-margin, margin}));
        }
        return labels;
    }

    private Repetition bareTraining(ModelConfig student, List<SoftLabel> labels, int batchSize) {
        try (DistillationTrainer trainer = new DistillationTrainer(student, trainSettings(), tokenizer,
                Devices.preferred())) {
            long start = System.nanoTime();
            long inModel = 0;
            int steps = 0;
            for (int from = 0; from < labels.size(); from += batchSize) {
                long called = System.nanoTime();
                trainer.step(labels.subList(from, Math.min(labels.size(), from + batchSize)));
                inModel += System.nanoTime() - called;
                steps++;
            }
            return new Repetition(labels.size() / ((System.nanoTime() - start) / 1e9), inModel / 1e6 / steps);
        }
    }

    private static TrainingSettings trainSettings() {
        return new TrainingSettings(0.5f, 2f, 1e-3f, 100, 0, 42);
    }

    /**
     * Writes the labels to the soft-label topic in batches and follows {@code GET /runs/current}; throughput runs
     * from the first batch sent to the last applied.
     */
    private double serviceTraining(EmbeddedStack stack, ServiceProcess trainService, List<SoftLabel> labels,
            int batchSize) {
        long before = currentProgress(trainService).get("examplesSeen").asLong();
        SoftLabelCodec codec = new SoftLabelCodec(SoftLabelEncoding.FP16, 0);
        String tokenizerId = sha256(tokenizer);
        long start;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.partitionsFor(Topics.SOFT_LABELS); // connected before the clock starts
            start = System.nanoTime();
            for (int from = 0; from < labels.size(); from += batchSize) {
                SoftLabelBatch batch = new SoftLabelBatch("batch-" + before + "-" + from, TRAIN_TEACHER_ID,
                        tokenizerId, 2f, labels.subList(from, Math.min(labels.size(), from + batchSize)));
                producer.send(new ProducerRecord<>(Topics.SOFT_LABELS, batch.batchId(), codec.encode(batch)));
            }
        }
        long target = before + labels.size();
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (System.nanoTime() < deadline) {
            long seen = currentProgress(trainService).get("examplesSeen").asLong();
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (seen >= target) {
                return labels.size() / elapsed;
            }
            // Polls rarely while the end is far (each request takes CPU from the engine), often near it.
            double rate = (seen - before) / elapsed;
            ServiceProcess.sleep(rate <= 0 ? 200 : Math.round(Math.min(500, Math.max(20,
                    250 * (target - seen) / rate))));
        }
        throw new IllegalStateException("train-service did not train on " + labels.size() + " examples in time");
    }

    private JsonNode currentProgress(ServiceProcess trainService) {
        return ServiceProcess.getJson(trainService.url() + "/runs/current");
    }

    /** @param teacherId the teacher the run is pinned to, or {@code null} for the first batch's */
    private ServiceProcess startTrain(EmbeddedStack stack, Path work, ModelConfig student, int batchSize,
            String teacherId) {
        Map<String, String> properties = new HashMap<>(database(stack));
        if (teacherId != null) {
            properties.put("train.teacher-id", teacherId);
        }
        properties.putAll(Map.of(
                "kafka.bootstrap.servers", stack.kafka().bootstrapServers(),
                "train.tokenizer", tokenizer.toString(),
                "train.checkpoint-dir", work.resolve("checkpoints").toString(),
                "train.batch-size", String.valueOf(batchSize),
                "train.student.hidden-size", String.valueOf(student.hiddenSize()),
                "train.student.layers", String.valueOf(student.layers()),
                "train.student.heads", String.valueOf(student.heads()),
                "train.student.max-length", String.valueOf(student.maxLength())));
        return ServiceProcess.start("train-service", project, ServiceProcess.freePort(), properties,
                work.resolve("logs"), ServiceProcess.djlCache(project));
    }

    // (4) scaling ------------------------------------------------------------------------------------------------

    private List<Map<String, Object>> measureScaling(EmbeddedStack stack, Path outDir, Path teacher,
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

    // (5) memory -------------------------------------------------------------------------------------------------

    /**
     * @param warmUp examples before the first sample: long enough for the JVM to size its heap (measured here: the
     *               services' resident memory rises over the first 20,000-30,000 examples of a run, then stays flat)
     */
    private Map<String, Object> measureMemory(Path outDir, List<LabeledText> train, int batchSize, int examples,
            long warmUp) {
        out.printf("memory: resident memory of each service over a %,d-example stream%n", examples);
        Path work = outDir.resolve("memory");
        ModelConfig small = new ModelConfig(30522, 64, 1, 2, 64, 2);
        Path teacher = OfflineTraining.untrained("memory-teacher", small, tokenizer, work.resolve("teacher"));
        try (EmbeddedStack stack = EmbeddedStack.start(work.resolve("stack"), Topics.all(), 2);
                ServiceProcess label = startLabel(stack, work, teacher, batchSize, "memory-1");
                ServiceProcess trainService = startTrain(stack, work.resolve("train"), small, batchSize, null);
                ServiceProcess eval = startEval(stack, work)) {
            Map<String, ServiceProcess> services = Map.of("label-service", label, "train-service", trainService,
                    "eval-service", eval);
            Thread producer = new Thread(() -> produceExamples(stack, train, examples), "memory-stream");
            producer.start();
            // Resident memory, and the part of it outside what the JVM has committed (heap, metaspace, code cache):
            // native memory, where a leak of engine tensors would show.
            Map<String, List<Long>> samples = new LinkedHashMap<>();
            Map<String, List<Long>> nativeSamples = new LinkedHashMap<>();
            services.keySet().forEach(name -> samples.put(name, new ArrayList<>()));
            services.keySet().forEach(name -> nativeSamples.put(name, new ArrayList<>()));
            List<Map<String, Object>> trajectory = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofHours(1).toNanos();
            long seen = 0;
            long lastReport = 0;
            while (seen < examples && System.nanoTime() < deadline) {
                ServiceProcess.sleep(1000);
                seen = currentProgress(trainService).get("examplesSeen").asLong();
                for (Map.Entry<String, ServiceProcess> service : services.entrySet()) {
                    if (seen >= warmUp) {
                        long rss = service.getValue().residentBytes();
                        long jvm = (long) ServiceProcess.sum(ServiceProcess.metrics(service.getValue().url()),
                                "jvm_memory_committed_bytes");
                        samples.get(service.getKey()).add(rss);
                        nativeSamples.get(service.getKey()).add(rss - jvm);
                    }
                }
                if (seen - lastReport >= examples / 10) {
                    lastReport = seen;
                    Map<String, Object> point = new LinkedHashMap<>(Map.of("examples", seen));
                    services.forEach((name, service) -> point.put(name, service.residentBytes() >> 20));
                    trajectory.add(point);
                    out.printf("      trained on %,d / %,d examples; resident MB: label %d, train %d, eval %d%n",
                            seen, examples, point.get("label-service"), point.get("train-service"),
                            point.get("eval-service"));
                }
            }
            join(producer);
            Map<String, Object> memory = new LinkedHashMap<>();
            memory.put("examples", seen);
            memory.put("warmUpExamples", warmUp);
            memory.put("trajectoryMb", trajectory);
            for (String name : samples.keySet()) {
                Map<String, Object> row = new LinkedHashMap<>(growth(samples.get(name)));
                growth(nativeSamples.get(name)).forEach((key, value) -> row.put("native" + capitalized(key), value));
                memory.put(name, row);
            }
            return memory;
        }
    }

    /** First (after warm-up), largest and last of the samples, in MB, and the largest growth over the first. */
    private static Map<String, Object> growth(List<Long> samples) {
        if (samples.isEmpty()) {
            throw new IllegalStateException("no memory samples after the warm-up");
        }
        long base = samples.get(0);
        long max = samples.stream().mapToLong(Long::longValue).max().orElseThrow();
        Map<String, Object> growth = new LinkedHashMap<>();
        growth.put("afterWarmUpMb", base >> 20);
        growth.put("maxMb", max >> 20);
        growth.put("lastMb", samples.get(samples.size() - 1) >> 20);
        growth.put("maxGrowth", (double) (max - base) / base);
        return growth;
    }

    private static String capitalized(String key) {
        return Character.toUpperCase(key.charAt(0)) + key.substring(1);
    }

    private void produceExamples(EmbeddedStack stack, List<LabeledText> train, int examples) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers(), "linger.ms", "20"), new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < examples; i++) {
                LabeledText row = train.get(i % train.size());
                TextExample example = new TextExample("memory-" + i, row.text(), String.valueOf(row.label()));
                producer.send(new ProducerRecord<>(Topics.EXAMPLES, example.id(), WireCodec.encode(example)));
            }
        }
    }

    private ServiceProcess startEval(EmbeddedStack stack, Path work) {
        Map<String, String> properties = new HashMap<>(database(stack));
        properties.putAll(Map.of(
                "kafka.bootstrap.servers", stack.kafka().bootstrapServers(),
                "eval.eval-file", project.resolve("data/sst2/dev.tsv").toString(),
                "eval.eval-limit", "200",
                "eval.tokenizer", tokenizer.toString(),
                "eval.checkpoint-dir", work.resolve("train/checkpoints").toString()));
        return ServiceProcess.start("eval-service", project, ServiceProcess.freePort(), properties,
                work.resolve("logs"), ServiceProcess.djlCache(project));
    }

    // results ----------------------------------------------------------------------------------------------------

    /**
     * One measured pass over the data.
     *
     * @param meanModelMillis mean time of one model call (teacher batch, training step), tokenization included: the
     *                        engine's share, which tells service overhead apart from slower engine calls
     */
    private record Repetition(double examplesPerSecond, double meanModelMillis) {
    }

    /** Model-call time so far, from a service's timer on {@code /q/metrics}. */
    private record ModelTime(double seconds, double calls) {
        static ModelTime read(ServiceProcess service, String timer) {
            Map<String, List<Double>> metrics = ServiceProcess.metrics(service.url());
            return new ModelTime(ServiceProcess.sum(metrics, MetricNames.prometheus(timer, "_seconds_sum")),
                    ServiceProcess.sum(metrics, MetricNames.prometheus(timer, "_seconds_count")));
        }

        double meanMillisSince(ModelTime before) {
            return 1e3 * (seconds - before.seconds) / Math.max(1, calls - before.calls);
        }
    }

    private void printRepetition(int rep, Repetition bare, Repetition service, String call) {
        out.printf("      repetition %d: bare %.1f examples/s, service %.1f examples/s (mean %s %.1f ms bare, "
                + "%.1f ms in the service)%n", rep + 1, bare.examplesPerSecond(), service.examplesPerSecond(), call,
                bare.meanModelMillis(), service.meanModelMillis());
    }

    /** Medians of both sides and the median of the per-repetition ratios. */
    private static Map<String, Object> comparison(List<Repetition> bare, List<Repetition> service) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < bare.size(); i++) {
            ratios.add(service.get(i).examplesPerSecond() / bare.get(i).examplesPerSecond());
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("bareExamplesPerSecond", median(bare.stream().map(Repetition::examplesPerSecond).toList()));
        row.put("serviceExamplesPerSecond", median(service.stream().map(Repetition::examplesPerSecond).toList()));
        row.put("ratio", median(ratios));
        row.put("ratios", ratios);
        row.put("bareModelMillis", median(bare.stream().map(Repetition::meanModelMillis).toList()));
        row.put("serviceModelMillis", median(service.stream().map(Repetition::meanModelMillis).toList()));
        return row;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    @SuppressWarnings("unchecked")
    private static String table(Map<String, Object> results) {
        StringBuilder table = new StringBuilder();
        Map<String, Object> settings = (Map<String, Object>) results.get("settings");
        table.append(String.format("Settings: %s%n%n", settings));
        table.append("| throughput (examples/s) | bare DJL loop | through the service | service / bare "
                + "| mean model call, bare (ms) | in the service (ms) |\n|---|---|---|---|---|---|\n");
        for (String part : List.of("labelling", "training")) {
            Map<String, Object> row = (Map<String, Object>) results.get(part);
            if (row == null) {
                continue;
            }
            table.append(String.format("| %s | %.1f | %.1f | %.1f%% | %.1f | %.1f |%n", part,
                    row.get("bareExamplesPerSecond"), row.get("serviceExamplesPerSecond"),
                    100 * (double) row.get("ratio"), row.get("bareModelMillis"), row.get("serviceModelMillis")));
        }
        table.append("\n| label space | encoding | bytes per soft label | share of JSON | bytes per example "
                + "record | mean KL (T = 2) | max KL |\n|---|---|---|---|---|---|---|\n");
        Map<String, Object> encodings = (Map<String, Object>) results.getOrDefault("encodings", Map.of());
        for (Map.Entry<String, Object> space : encodings.entrySet()) {
            for (Map<String, Object> row : (List<Map<String, Object>>) space.getValue()) {
                table.append(String.format("| %s | %s | %.1f | %.1f%% | %.1f | %.2e | %.2e |%n", space.getKey(),
                        row.get("encoding"), row.get("bytesPerSoftLabel"), 100 * (double) row.get("shareOfJson"),
                        row.get("bytesPerExampleRecord"), row.get("klMean"), row.get("klMax")));
            }
        }
        table.append("\n| label workers | examples/s | labelled | duplicates |\n|---|---|---|---|\n");
        for (Map<String, Object> row : (List<Map<String, Object>>) results.getOrDefault("scaling", List.of())) {
            table.append(String.format("| %d | %.1f | %d | %d |%n", row.get("workers"), row.get("examplesPerSecond"),
                    row.get("labelled"), row.get("duplicates")));
        }
        Map<String, Object> memory = (Map<String, Object>) results.get("memory");
        if (memory == null) {
            return table.toString();
        }
        table.append(String.format("%n| service | resident MB after %,d examples | max MB | last MB | max growth "
                + "| native MB (outside the JVM's committed memory) after warm-up | max | max growth "
                + "|%n|---|---|---|---|---|---|---|---|%n", (long) memory.get("warmUpExamples")));
        for (String service : List.of("label-service", "train-service", "eval-service")) {
            Map<String, Object> row = (Map<String, Object>) memory.get(service);
            table.append(String.format("| %s | %d | %d | %d | %.1f%% | %d | %d | %.1f%% |%n", service,
                    row.get("afterWarmUpMb"), row.get("maxMb"), row.get("lastMb"), 100 * (double) row.get("maxGrowth"),
                    row.get("nativeAfterWarmUpMb"), row.get("nativeMaxMb"), 100 * (double) row.get("nativeMaxGrowth")));
        }
        return table.toString();
    }

    // helpers ----------------------------------------------------------------------------------------------------

    private static Map<String, String> database(EmbeddedStack stack) {
        return Map.of(
                "quarkus.datasource.reactive.url", stack.database().reactiveUrl(),
                "quarkus.datasource.username", EmbeddedDatabase.USER,
                "quarkus.datasource.password", EmbeddedDatabase.PASSWORD);
    }

    private static String sha256(Path file) {
        try {
            return Sha256.of(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String sizeName(ModelConfig size) {
        return size.layers() + "x" + size.hiddenSize() + " (" + size.heads() + " heads)";
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
