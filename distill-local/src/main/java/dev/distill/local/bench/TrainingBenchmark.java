package dev.distill.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.Sha256;
import dev.distill.core.data.LabeledText;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.SoftLabelEncoding;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.bench.ServiceComparison.ModelTime;
import dev.distill.local.bench.ServiceComparison.Repetition;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import dev.distill.local.launch.TrainServiceSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Training throughput through train-service against a bare training loop on the same student and data. */
final class TrainingBenchmark {
    /** The teacher the synthetic soft labels name, to which train-service is pinned. */
    static final String TRAIN_TEACHER_ID = "benchmark-teacher";

    private final PrintStream out;
    private final Path project;
    private final Path tokenizer;

    TrainingBenchmark(PrintStream out, Path project, Path tokenizer) {
        this.out = out;
        this.project = project;
        this.tokenizer = tokenizer;
    }

    Map<String, Object> measure(EmbeddedStack stack, Path outDir, List<LabeledText> train,
            ModelConfig student, int batchSize, int repetitions, int examples) {
        out.println("training: train-service vs a bare training loop");
        List<SoftLabel> labels = syntheticSoftLabels(train.subList(0, examples));
        List<Repetition> bare = new ArrayList<>();
        List<Repetition> service = new ArrayList<>();
        try (ServiceProcess trainService = startTrain(stack, outDir.resolve("train"), student, batchSize,
                TRAIN_TEACHER_ID)) {
            // Warm-up as for labelling.
            for (int pass = 0; pass < LabellingBenchmark.WARM_UP_PASSES; pass++) {
                bareTraining(student, labels, batchSize);
                serviceTraining(stack, trainService, batches(labels, batchSize));
            }
            for (int rep = 0; rep < repetitions; rep++) {
                bare.add(bareTraining(student, labels, batchSize));
                service.add(serviceRepetition(stack, trainService, batches(labels, batchSize)));
                ServiceComparison.printRepetition(out, rep, bare.get(rep), service.get(rep), "step");
            }
        }
        return ServiceComparison.comparison(bare, service);
    }

    /** Soft labels as a teacher would send them: gold label and two logits per sentence. */
    static List<SoftLabel> syntheticSoftLabels(List<LabeledText> rows) {
        Random random = new Random(5);
        List<SoftLabel> labels = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            float margin = (float) (random.nextGaussian() * 2);
            labels.add(new SoftLabel("train-" + i, rows.get(i).text(), rows.get(i).label(),
                    new float[] {-margin, margin}));
        }
        return labels;
    }

    private static List<List<SoftLabel>> batches(List<SoftLabel> labels, int batchSize) {
        List<List<SoftLabel>> batches = new ArrayList<>();
        for (int from = 0; from < labels.size(); from += batchSize) {
            batches.add(labels.subList(from, Math.min(labels.size(), from + batchSize)));
        }
        return batches;
    }

    /** One pass through train-service, with the mean time of its steps. */
    Repetition serviceRepetition(EmbeddedStack stack, ServiceProcess trainService, List<List<SoftLabel>> batches) {
        ModelTime before = ModelTime.read(trainService, MetricNames.TRAIN_STEP);
        double throughput = serviceTraining(stack, trainService, batches);
        return new Repetition(throughput, ModelTime.read(trainService, MetricNames.TRAIN_STEP)
                .meanMillisSince(before));
    }

    private Repetition bareTraining(ModelConfig student, List<SoftLabel> labels, int batchSize) {
        return new EngineLoops(tokenizer).training(student, batches(labels, batchSize));
    }

    /**
     * Writes the batches to the soft-label topic, one record each, and follows {@code GET /runs/current}; throughput
     * runs from the first batch sent to the last applied.
     */
    private double serviceTraining(EmbeddedStack stack, ServiceProcess trainService, List<List<SoftLabel>> batches) {
        long before = currentProgress(trainService).get("examplesSeen").asLong();
        SoftLabelCodec codec = new SoftLabelCodec(SoftLabelEncoding.FP16, 0);
        String tokenizerId = sha256(tokenizer);
        int examples = batches.stream().mapToInt(List::size).sum();
        long start;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.partitionsFor(Topics.SOFT_LABELS); // connected before the clock starts
            start = System.nanoTime();
            for (int i = 0; i < batches.size(); i++) {
                SoftLabelBatch batch = new SoftLabelBatch("batch-" + before + "-" + i, TRAIN_TEACHER_ID,
                        tokenizerId, 2f, batches.get(i));
                producer.send(new ProducerRecord<>(Topics.SOFT_LABELS, batch.batchId(), codec.encode(batch)));
            }
        }
        return awaitTrained(trainService, before, examples, start);
    }

    /**
     * Waits until train-service has trained on {@code examples} more than {@code before}.
     *
     * @param start when the examples started to go out ({@link System#nanoTime})
     * @return examples/s from {@code start}
     */
    static double awaitTrained(ServiceProcess trainService, long before, int examples, long start) {
        long target = before + examples;
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (System.nanoTime() < deadline) {
            long seen = currentProgress(trainService).get("examplesSeen").asLong();
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (seen >= target) {
                return examples / elapsed;
            }
            // Polls rarely while the end is far (each request takes CPU from the engine), often near it.
            double rate = (seen - before) / elapsed;
            ServiceProcess.sleep(rate <= 0 ? 200 : Math.round(Math.min(500, Math.max(20,
                    250 * (target - seen) / rate))));
        }
        throw new IllegalStateException("train-service did not reach " + target + " examples in time");
    }

    static JsonNode currentProgress(ServiceProcess trainService) {
        return ServiceHttp.getJson(trainService.url() + "/runs/current");
    }

    /** @param teacherId the teacher the run is pinned to, or {@code null} for the first batch's */
    ServiceProcess startTrain(EmbeddedStack stack, Path work, ModelConfig student, int batchSize, String teacherId) {
        return startTrain(trainSettings(stack, work, student, batchSize, teacherId), work);
    }

    ServiceProcess startTrain(TrainServiceSettings settings, Path work) {
        return ServiceProcess.start(settings, project, work.resolve("logs"));
    }

    /** @param teacherId the teacher the run is pinned to, or {@code null} for the first batch's */
    TrainServiceSettings trainSettings(EmbeddedStack stack, Path work, ModelConfig student, int batchSize,
            String teacherId) {
        TrainServiceSettings settings = ServiceSettings.train(stack.kafka().bootstrapServers())
                .database(stack.database()).tokenizer(tokenizer).checkpointDir(work.resolve("checkpoints"))
                .batchSize(batchSize).student(student).alpha(EngineLoops.TRAINING.alpha())
                .learningRate(EngineLoops.TRAINING.learningRate()).warmupSteps(EngineLoops.TRAINING.warmupSteps());
        return teacherId == null ? settings : settings.teacherId(teacherId);
    }

    private static String sha256(Path file) {
        try {
            return Sha256.of(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
