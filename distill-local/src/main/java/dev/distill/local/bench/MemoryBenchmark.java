package dev.distill.local.bench;

import dev.distill.core.data.LabeledText;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.launch.EvalServiceSettings;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Resident memory of each service over a long stream, and the part of it outside the JVM's committed memory. */
final class MemoryBenchmark {
    /** The samples after the warm-up are compared by the peak of each tenth. */
    private static final int WINDOWS = 10;
    private final PrintStream out;
    private final Path project;
    private final Path tokenizer;
    private final LabellingBenchmark labelling;
    private final TrainingBenchmark training;

    MemoryBenchmark(PrintStream out, Path project, Path tokenizer, LabellingBenchmark labelling,
            TrainingBenchmark training) {
        this.out = out;
        this.project = project;
        this.tokenizer = tokenizer;
        this.labelling = labelling;
        this.training = training;
    }

    /**
     * @param warmUp examples before the first sample: long enough for the engines' working sets to form (the JVMs'
     *               heaps are fixed and touched at start, {@link ServiceProcess})
     */
    Map<String, Object> measure(Path outDir, Path teacher, ModelConfig student, List<LabeledText> train,
            int batchSize, int examples, long warmUp) {
        out.printf("memory: resident memory of each service over a %,d-example stream%n", examples);
        Path work = outDir.resolve("memory");
        try (EmbeddedStack stack = EmbeddedStack.start(work.resolve("stack"), Topics.all(), 2);
                // the three services share the cores
                ServiceProcess label = labelling.startLabel(labelling.labelSettings(stack, teacher, batchSize,
                        "memory-1").streamingBesideTraining(), work, "memory-1");
                ServiceProcess trainService = training.startTrain(training.trainSettings(stack, work.resolve("train"),
                        student, batchSize, null).sharingCores(), work.resolve("train"));
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
                seen = TrainingBenchmark.currentProgress(trainService).get("examplesSeen").asLong();
                for (Map.Entry<String, ServiceProcess> service : services.entrySet()) {
                    if (seen >= warmUp) {
                        long rss = service.getValue().residentBytes();
                        long jvm = (long) ServiceHttp.sum(ServiceHttp.metrics(service.getValue().url()),
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

    /**
     * Peak of each tenth of the samples after the warm-up, in MB: the first tenth's, the highest and the last tenth's,
     * the growth of the highest over the first, and the lowest sample. Peaks are compared, not single samples: memory
     * rises and falls with the work (eval-service loads every checkpoint it scores; the allocator hands freed memory
     * back every few seconds), and one sample may fall in a trough.
     */
    private static Map<String, Object> growth(List<Long> samples) {
        if (samples.size() < WINDOWS) {
            throw new IllegalStateException("only " + samples.size() + " memory samples after the warm-up; a longer "
                    + "stream (--memory-examples) gives more");
        }
        List<Long> peaks = new ArrayList<>();
        for (int window = 0; window < WINDOWS; window++) {
            peaks.add(samples.subList(window * samples.size() / WINDOWS, (window + 1) * samples.size() / WINDOWS)
                    .stream().mapToLong(Long::longValue).max().orElseThrow());
        }
        long first = peaks.get(0);
        long highest = peaks.stream().mapToLong(Long::longValue).max().orElseThrow();
        Map<String, Object> growth = new LinkedHashMap<>();
        growth.put("firstPeakMb", first >> 20);
        growth.put("highestPeakMb", highest >> 20);
        growth.put("lastPeakMb", peaks.get(WINDOWS - 1) >> 20);
        growth.put("growth", (double) (highest - first) / first);
        growth.put("lowestMb", samples.stream().mapToLong(Long::longValue).min().orElseThrow() >> 20);
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
        EvalServiceSettings settings = ServiceSettings.eval(stack.kafka().bootstrapServers()).engineThreads(1)
                .sharingCores().database(stack.database()).heldOut(project.resolve("data/sst2/dev.tsv"), 200)
                .tokenizer(tokenizer).checkpointDir(work.resolve("train/checkpoints"));
        return ServiceProcess.start(settings, project, work.resolve("logs"));
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
