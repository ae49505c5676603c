package dev.distill.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.Directories;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.Project;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * A long soak of the continuous pipeline: {@code --examples} examples (SST-2 train repeated under fresh ids, most
 * without a gold label) at a steady {@code --rate}, two label workers, train-service and eval-service with checkpoint
 * retention on its defaults, and the fault-injection test's kill schedule throughout (each service killed with
 * SIGKILL in turn, the database and the broker restarted among them). Measures exactly-once by example id, the
 * checkpoint directory against the bound retention implies, each service's resident memory, the freshness of every
 * promotion, the growth of the soft-label log, the database and the logs, and that a rollback works at the end.
 * The teacher and student are small ones, so that two cores hold the rate; what is soaked is the pipeline.
 */
public final class SoakBenchmark {
    static final String USAGE = """
            usage: bench/soak [--examples 200000] [--rate 150] [--faults 24] [--labelled-every 10]
                              [--eval-limit 200] [--seed 1] [--out DIR]
            """;
    private static final List<String> VICTIMS = List.of("label-1", "train", "database", "label-2", "eval", "broker");
    private static final Duration SETTLE = Duration.ofMinutes(10);
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(5);

    private final BenchmarkOptions options;
    private final PrintStream out;
    private final Path project;
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();

    SoakBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.project = options.project();
    }

    public static void main(String[] args) {
        BenchmarkOptions.main(args, USAGE, options -> new SoakBenchmark(options, System.out).run());
    }

    Map<String, Object> run() {
        int examples = options.intOption("examples", 200_000);
        int rate = options.intOption("rate", 150);
        int faults = options.intOption("faults", 24);
        Random random = new Random(options.intOption("seed", 1));
        Path outDir = options.outDir("soak");
        Path work = project.resolve("target/soak");
        Directories.delete(work);
        Path checkpoints = work.resolve("checkpoints");
        List<LabeledRow> rows = LabeledTsv.readRows(project.resolve("data/sst2/train.tsv"), 0);
        long started = System.nanoTime();
        Map<String, Integer> faultsSurvived = new TreeMap<>();
        try (EmbeddedStack stack = EmbeddedStack.start(work.resolve("stack"), Topics.all(), 2)) {
            startServices(stack, checkpoints, work.resolve("logs"));
            SoakSamples samples = new SoakSamples(checkpoints, work.resolve("logs"), work.resolve("stack"));
            Map<String, Map<String, Long>> databaseAtStart = DatabaseGrowth.tables(stack.database());
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> samples.sample(services, started), 0, SAMPLE_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
            SoakTraffic traffic = new SoakTraffic(rows, examples, rate,
                    options.intOption("labelled-every", 10), stack.kafka().bootstrapServers());
            Thread sender = new Thread(traffic, "soak-traffic");
            sender.start();
            long faultEvery = (long) (examples / (double) rate / (faults + 1) * 1000);
            for (int fault = 0; fault < faults; fault++) {
                ServiceProcess.sleep(faultEvery / 2 + random.nextLong(faultEvery));
                String victim = VICTIMS.get(fault % VICTIMS.size());
                inject(victim, stack, random);
                faultsSurvived.merge(victim, 1, Integer::sum);
                out.printf("%5.0f s: %s %s; %,d examples sent%n", seconds(started), victim,
                        victim.equals("database") || victim.equals("broker") ? "restarted" : "killed and restarted",
                        traffic.sent());
            }
            joinQuietly(sender);
            if (traffic.failure() != null) {
                throw new IllegalStateException("examples could not be sent: " + traffic.failure().getMessage());
            }
            double sendingSeconds = seconds(started);
            out.printf("%5.0f s: all %,d examples sent; auditing%n", sendingSeconds, traffic.sent());
            List<String> ids = IntStream.range(0, examples).mapToObj(SoakTraffic::id).toList();
            Map<String, Integer> labelled = StreamAudit.labelledExampleIds(stack.kafka().bootstrapServers(),
                    examples, SETTLE);
            Path last = StreamAudit.awaitCheckpointCovering(checkpoints, examples, SETTLE);
            Map<String, Integer> trained = StreamAudit.trainedExampleIds(StreamAudit.lineage(last));
            samples.awaitDecided(services.get("eval").url(), Checkpoints.readManifest(last).checkpointId(), SETTLE);
            sampler.shutdown();
            samples.sample(services, started);

            Map<String, Object> results = new LinkedHashMap<>();
            results.put("options", options.values());
            results.put("examples", examples);
            results.put("ratePerSecond", rate);
            results.put("sendingSeconds", Math.round(sendingSeconds));
            results.put("wallSeconds", Math.round(seconds(started)));
            results.put("faults", faultsSurvived);
            results.put("labelled", labelled.size());
            results.put("labelledDuplicates", StreamAudit.duplicates(labelled));
            results.put("trained", trained.size());
            results.put("trainedDuplicates", StreamAudit.duplicates(trained));
            results.put("lost", StreamAudit.lost(ids, labelled) + StreamAudit.lost(ids, trained));
            results.putAll(samples.summary());
            results.put("database", Map.of("atStart", databaseAtStart,
                    "atEnd", DatabaseGrowth.tables(stack.database())));
            JsonNode freshness = ServiceHttp.getJson(services.get("eval").url()
                    + "/promotions/freshness?limit=10000");
            Map<String, Object> freshnessSummary = new LinkedHashMap<>();
            freshnessSummary.put("promotions", freshness.path("promotions").size());
            freshnessSummary.put("total", freshness.path("total"));
            freshnessSummary.put("parts", freshness.path("parts"));
            results.put("freshnessSummary", freshnessSummary);
            results.put("freshness", freshness);
            results.put("rollback", rollback(services.get("eval").url()));
            results.put("errorLines", samples.errorLines());
            BenchmarkOptions.writeResults(outDir, results, SoakReport.table(results), out);
            return results;
        } finally {
            services.values().forEach(ServiceProcess::close);
        }
    }

    private void startServices(EmbeddedStack stack, Path checkpoints, Path logs) {
        String kafka = stack.kafka().bootstrapServers();
        Path tokenizer = Project.tokenizer(project);
        Path teacher = project.resolve("distill-core/src/test/resources/torchscript/tiny-teacher.pt");
        for (String worker : List.of("label-1", "label-2")) {
            start(worker, ServiceSettings.label(kafka).workerId(worker).teacher(teacher).tokenizer(tokenizer)
                    .sharingCores(), logs);
        }
        start("train", ServiceSettings.train(kafka).database(stack.database()).tokenizer(tokenizer)
                .checkpointDir(checkpoints).student(32, 1).sharingCores(), logs);
        start("eval", ServiceSettings.eval(kafka).database(stack.database()).engineThreads(1).sharingCores()
                .heldOut(project.resolve("data/sst2/dev.tsv"), options.intOption("eval-limit", 200))
                .tokenizer(tokenizer).checkpointDir(checkpoints), logs);
    }

    private void start(String role, ServiceSettings<?> settings, Path logs) {
        services.put(role, ServiceProcess.start(settings, project, logs.resolve(role)));
    }

    private void inject(String victim, EmbeddedStack stack, Random random) {
        switch (victim) {
            case "database" -> stack.database().restart();
            case "broker" -> stack.kafka().restartBroker();
            default -> {
                services.get(victim).kill();
                ServiceProcess.sleep(random.nextInt(2000));
                services.put(victim, services.get(victim).restart());
            }
        }
    }

    /** Rolls the serving promotion back and asks the restored student for a prediction. */
    private static Map<String, Object> rollback(String evalUrl) {
        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("from", ServiceHttp.getJson(evalUrl + "/promotions/current").path("checkpointId").asText());
        HttpResponse<String> reply = ServiceHttp.postJson(evalUrl + "/promotions/rollback", Map.of());
        outcome.put("status", reply.statusCode());
        outcome.put("to", ServiceHttp.getJson(evalUrl + "/promotions/current").path("checkpointId").asText());
        for (int attempt = 0; attempt < 30; attempt++) {
            HttpResponse<String> predicted = ServiceHttp.postJson(evalUrl + "/predict",
                    List.of("a gripping, beautifully acted film"));
            outcome.put("predictStatus", predicted.statusCode());
            outcome.put("predictAnswer", predicted.body());
            if (predicted.statusCode() == 200 && predicted.body().contains((String) outcome.get("to"))) {
                break;
            }
            ServiceProcess.sleep(1000); // the restored student loads in the background
        }
        return outcome;
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
