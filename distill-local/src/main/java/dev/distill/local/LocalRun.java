package dev.distill.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.Directories;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.evaluation.ClassificationMetrics;
import dev.distill.core.evaluation.HeldOutEvaluation;
import dev.distill.core.evaluation.HeldOutSet;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.StudentSizing;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import dev.distill.local.launch.TrainServiceSettings;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole pipeline on one machine: embedded Kafka and PostgreSQL, a teacher, and the three packaged services as
 * child processes. Used by the README's run command and by the end-to-end tests.
 */
public final class LocalRun implements AutoCloseable {
    /** Examples per ingest request. */
    private static final int INGEST_CHUNK = 500;
    private static final int PARTITIONS = 2;
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);
    private static final int TRAIN_BATCH = 32;
    private static final float TEACHER_LEARNING_RATE = 5e-5f;
    private static final int TEACHER_MAX_LENGTH = 64;

    private final LocalRunOptions options;
    private final PrintStream out;
    private final List<ServiceProcess> services = new ArrayList<>();
    private EmbeddedStack stack;
    private Path teacher;

    private LocalRun(LocalRunOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Starts broker, database, teacher and services; on failure everything started so far is stopped. */
    public static LocalRun start(LocalRunOptions options, PrintStream out) {
        LocalRun run = new LocalRun(options, out);
        try {
            run.startAll();
            return run;
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
    }

    private void startAll() {
        Path work = options.workDir().toAbsolutePath();
        Directories.delete(work);
        out.println("[1/5] starting embedded Kafka (KRaft) and PostgreSQL in " + work);
        stack = EmbeddedStack.start(work.resolve("stack"), Topics.all(), PARTITIONS);
        out.println("      Kafka " + stack.kafka().bootstrapServers() + ", PostgreSQL " + stack.database().jdbcUrl());

        if (options.teacherCheckpoint() != null) {
            teacher = options.teacherCheckpoint().toAbsolutePath();
            out.println("[2/5] teacher: " + teacher);
        } else {
            out.println("[2/5] teacher: " + options.teacherSource() + " fine-tuned on " + options.trainFile());
            teacher = new FineTunedTeacher(options.teacherSource(), options.trainFile(), options.teacherExamples(), 1,
                    TEACHER_LEARNING_RATE, TEACHER_MAX_LENGTH, options.seed())
                    .obtain(tokenizer(), options.teacherCache().toAbsolutePath(), out);
        }

        out.println("[3/5] starting label-service, train-service and eval-service (logs in " + logDir() + ")");
        String kafka = stack.kafka().bootstrapServers();
        Path checkpoints = work.resolve("checkpoints");
        // BERT's schedule over the run (warm-up for a tenth of the steps, then linear decay), ending at a floor
        // instead of 0 so that examples sent later (--keep-running) still teach the student
        LocalRunOptions.LearningRatePlan plan = options.learningRate();
        int decayed = plan.decayExamples() > 0 ? plan.decayExamples() : streamed();
        int steps = (decayed + TRAIN_BATCH - 1) / TRAIN_BATCH;
        int warmup = Math.max(1, steps / 10);
        TrainServiceSettings train = ServiceSettings.train(kafka).database(stack.database()).tokenizer(tokenizer())
                .checkpointDir(checkpoints).checkpointEverySteps(options.checkpointEverySteps())
                .checkpointWhenIdle(Duration.ofSeconds(3)).seed(options.seed()).batchSize(TRAIN_BATCH)
                .learningRate(plan.peak()).warmupSteps(warmup).decaySteps(Math.max(steps, warmup + 1))
                .decayFloor(plan.floor());
        if (options.student() == null) {
            ModelConfig student = StudentSizing.quarterDepth(Checkpoints.readManifest(teacher).model());
            train.student(student).initFrom(teacher.toString());
            out.printf("      student: %d of the teacher's layers, feed-forward %d wide, %,d steps%n",
                    student.layers(), student.intermediateSize(), steps);
        } else {
            train.student(options.student());
            if (options.studentInitFrom() != null) {
                train.initFrom(options.studentInitFrom().equals(LocalRunOptions.TEACHER) ? teacher.toString()
                        : options.studentInitFrom());
            }
        }
        // label and train work at the same time, train on all the cores and label on half, their engine threads
        // yielding them when idle (on 2 cores: the streaming benchmark 1.1-1.2x the examples/s of half the cores
        // each; this run, bound by training, about the same); eval-service (short bursts) one
        startService(ServiceSettings.label(kafka).teacher(teacher).tokenizer(tokenizer()).streamingBesideTraining());
        startService(train.sharingCores());
        startService(ServiceSettings.eval(kafka).engineThreads(1).sharingCores().database(stack.database())
                .heldOut(options.evalFile(), options.evalLimit()).tokenizer(tokenizer()).teacher(teacher)
                .checkpointDir(checkpoints));
        out.println("      dashboard: " + dashboardUrl());
        out.println("      mutating requests need HTTP Basic user distill, password (API key) "
                + ServiceProcess.API_KEY);
    }

    private void startService(ServiceSettings<?> settings) {
        if (options.otlpEndpoint() != null) {
            settings.tracing(options.otlpEndpoint());
        }
        ServiceProcess service = ServiceProcess.start(settings, options.projectDir(), logDir());
        services.add(service);
        out.println("      " + settings.service() + " ready at " + service.url());
    }

    /** The log file of a service of this run ({@code label-service}, ...). */
    public Path log(String service) {
        return service(service).log();
    }

    public String labelUrl() {
        return service("label-service").url();
    }

    public String trainUrl() {
        return service("train-service").url();
    }

    public String evalUrl() {
        return service("eval-service").url();
    }

    public Path teacher() {
        return teacher;
    }

    public String kafkaBootstrapServers() {
        return stack.kafka().bootstrapServers();
    }

    public Path checkpointDir() {
        return options.workDir().toAbsolutePath().resolve("checkpoints");
    }

    /** The rows the run streams: the first {@code streamLimit} of the training file (all when 0). */
    public List<LabeledRow> rowsToStream() {
        return LabeledTsv.readRows(options.trainFile(), options.streamLimit());
    }

    private int streamed() {
        return rowsToStream().size();
    }

    /**
     * Posts the rows to label-service as labelled examples with ids {@code ex-<n>}, their labels as written (class
     * names or indices of the teacher's classes); returns how many.
     */
    public int stream(List<LabeledRow> rows) {
        out.printf("[4/5] streaming %d examples through label-service -> train-service%n", rows.size());
        for (int start = 0; start < rows.size(); start += INGEST_CHUNK) {
            List<Map<String, Object>> chunk = new ArrayList<>();
            for (int i = start; i < Math.min(rows.size(), start + INGEST_CHUNK); i++) {
                chunk.add(Map.of("id", "ex-" + i, "text", rows.get(i).text(), "label", rows.get(i).label()));
            }
            HttpResponse<String> response = ServiceHttp.postJson(labelUrl() + "/examples", chunk);
            if (response.statusCode() != 202) {
                throw new IllegalStateException("label-service refused examples " + start + "..: HTTP "
                        + response.statusCode() + " " + response.body());
            }
        }
        return rows.size();
    }

    /** Waits until the newest run has trained on {@code examples} examples; prints progress. */
    public JsonNode awaitTrained(long examples, Duration timeout) {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        long lastPrinted = 0;
        long lastPrintNanos = 0;
        while (true) {
            JsonNode runs = ServiceHttp.getJson(trainUrl() + "/runs");
            JsonNode run = runs.size() > 0 ? runs.get(0) : null;
            long seen = run == null ? 0 : run.get("examplesSeen").asLong();
            long now = System.nanoTime();
            if (seen > lastPrinted && (now - lastPrintNanos >= PROGRESS_INTERVAL.toNanos() || seen >= examples)) {
                double perSecond = seen / ((now - started) / 1e9);
                long left = Math.round((examples - seen) / perSecond);
                out.printf("      trained on %,d / %,d examples (%.0f%%), loss %.4f  (%.0f examples/s, %d:%02d left)%n",
                        seen, examples, 100.0 * seen / examples, run.get("lastLoss").asDouble(), perSecond,
                        left / 60, left % 60);
                lastPrinted = seen;
                lastPrintNanos = now;
            }
            if (seen >= examples) {
                return run;
            }
            failIfPast(deadline, "train-service trained on " + seen + " of " + examples + " examples");
            ServiceProcess.sleep(2000);
        }
    }

    /** Waits until a checkpoint covering {@code examples} examples of the run is on the leaderboard. */
    public JsonNode awaitEvaluated(String runId, long examples, Duration timeout) {
        out.println("[5/5] waiting for the final checkpoint to be evaluated");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (JsonNode checkpoint : ServiceHttp.getJson(trainUrl() + "/runs/" + runId + "/checkpoints")) {
                if (checkpoint.get("examplesSeen").asLong() >= examples) {
                    for (JsonNode score : leaderboard()) {
                        if (score.get("checkpointId").asText().equals(checkpoint.get("id").asText())) {
                            return score;
                        }
                    }
                }
            }
            failIfPast(deadline, "no evaluated checkpoint covers all " + examples + " examples");
            ServiceProcess.sleep(1000);
        }
    }

    /** The dashboard page eval-service serves. */
    public String dashboardUrl() {
        return evalUrl() + "/";
    }

    public JsonNode leaderboard() {
        return ServiceHttp.getJson(evalUrl() + "/leaderboard");
    }

    /** The teacher's score on the same held-out rows eval-service uses. */
    public ClassificationMetrics scoreTeacher() {
        try (TextClassifier classifier = TextClassifier.load(teacher, tokenizer(), Devices.preferred())) {
            return HeldOutEvaluation.score(classifier, heldOut(), 64);
        }
    }

    /** The texts of the held-out rows eval-service scores. */
    public List<String> heldOutTexts() {
        return heldOut().texts();
    }

    private HeldOutSet heldOut() {
        return HeldOutSet.read(options.evalFile(), options.evalLimit());
    }

    @Override
    public synchronized void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        services.clear();
        if (stack != null) {
            stack.close();
            stack = null;
        }
    }

    private ServiceProcess service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " is not running"));
    }

    private void failIfPast(long deadline, String state) {
        if (System.nanoTime() > deadline) {
            StringBuilder logs = new StringBuilder();
            for (ServiceProcess service : services) {
                logs.append("\n--- ").append(service.log()).append('\n').append(service.tail(25));
            }
            throw new IllegalStateException("timed out: " + state + logs);
        }
    }

    private Path tokenizer() {
        return options.tokenizer().toAbsolutePath();
    }

    private Path logDir() {
        return options.workDir().toAbsolutePath().resolve("logs");
    }
}
