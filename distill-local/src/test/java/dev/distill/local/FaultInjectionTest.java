package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Directories;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.bench.StreamAudit;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Kills each service with SIGKILL at random points of a stream of SST-2 examples, restarts it, restarts the database
 * and the broker in between, and checks by example
 * id that every example was labelled exactly once in the committed soft-label log and learnt exactly once by the
 * student (following the final checkpoint's ledger back through its parents), that every checkpoint of that lineage
 * was recorded and evaluated, and that the final checkpoint loads. Two label workers share a two-partition topic.
 * A longer soak: {@code -Ddistill.fault.examples=20000 -Ddistill.fault.faults=30}; {@code -Ddistill.fault.seed}
 * replays a kill schedule.
 */
class FaultInjectionTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path WORK = PROJECT.resolve("distill-local/target/fault-injection");
    private static final Path TOKENIZER = PROJECT.resolve("data/vocab/tokenizer.json");
    private static final Path TEACHER = PROJECT.resolve("distill-core/src/test/resources/torchscript/tiny-teacher.pt");
    private static final int EXAMPLES = Integer.getInteger("distill.fault.examples", 3000);
    private static final int FAULTS = Integer.getInteger("distill.fault.faults", 10);
    /** Fault order: each service killed in turn, with a database and a broker restart among the kills. */
    private static final List<String> VICTIMS = List.of("label-1", "train", "database", "label-2", "eval", "broker");
    private static final long SEED = Long.getLong("distill.fault.seed", System.currentTimeMillis());
    private static final int EXAMPLES_PER_REQUEST = 25;
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(4);

    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    /** The label worker the sender posts to; never the one being killed, so every request is answered. */
    private final AtomicReference<String> ingest = new AtomicReference<>("label-1");
    private final Object ingestLock = new Object();

    @Test
    void everyExampleIsLabelledAndLearntExactlyOnceThroughKills() throws Exception {
        Directories.delete(WORK);
        Random random = new Random(SEED);
        List<LabeledRow> rows = LabeledTsv.readRows(PROJECT.resolve("data/sst2/train.tsv"), EXAMPLES);
        Map<String, Integer> killsPerService = new TreeMap<>();
        Map<String, Integer> outages = new TreeMap<>();
        try (EmbeddedStack stack = EmbeddedStack.start(WORK.resolve("stack"), Topics.all(), 2)) {
            startServices(stack);
            Thread sender = new Thread(() -> send(rows), "example-sender");
            sender.start();
            for (int fault = 0; fault < FAULTS; fault++) {
                String victim = VICTIMS.get(fault % VICTIMS.size());
                ServiceProcess.sleep(1000 + random.nextInt(3000));
                if (victim.equals("database")) {
                    stack.database().restart();
                    outages.merge(victim, 1, Integer::sum);
                    continue;
                }
                if (victim.equals("broker")) {
                    stack.kafka().restartBroker();
                    outages.merge(victim, 1, Integer::sum);
                    continue;
                }
                if (victim.startsWith("label-")) {
                    synchronized (ingestLock) {
                        ingest.set(victim.equals("label-1") ? "label-2" : "label-1");
                    }
                }
                services.get(victim).kill();
                ServiceProcess.sleep(random.nextInt(2000));
                services.put(victim, services.get(victim).restart());
                killsPerService.merge(victim, 1, Integer::sum);
            }
            sender.join(Duration.ofMinutes(5).toMillis());
            assertTrue(!sender.isAlive(), "the sender finished");

            Map<String, Integer> labelled = StreamAudit.labelledExampleIds(stack.kafka().bootstrapServers(),
                    rows.size(), SETTLE_TIMEOUT);
            Path finalCheckpoint = StreamAudit.awaitCheckpointCovering(WORK.resolve("checkpoints"), rows.size(),
                    SETTLE_TIMEOUT);
            List<Path> lineage = StreamAudit.lineage(finalCheckpoint);
            Map<String, Integer> trained = StreamAudit.trainedExampleIds(lineage);
            int labelledDuplicates = StreamAudit.duplicates(labelled);
            int trainedDuplicates = StreamAudit.duplicates(trained);
            Set<String> sent = exampleIds(rows.size());
            int lost = StreamAudit.lost(sent, labelled) + StreamAudit.lost(sent, trained);
            System.out.printf("fault injection (seed %d): examples sent %d, labelled %d, trained %d, duplicates %d, "
                            + "lost %d, kills survived %d %s, restarts survived %d %s%n", SEED, rows.size(),
                    labelled.size(), trained.size(), labelledDuplicates + trainedDuplicates, lost,
                    count(killsPerService), killsPerService, count(outages), outages);

            assertEquals(0, labelledDuplicates, "examples labelled twice in the committed soft-label log");
            assertEquals(0, trainedDuplicates, "examples the final student learnt twice");
            assertEquals(rows.size(), labelled.size(), "examples labelled");
            assertEquals(rows.size(), trained.size(), "examples the final student learnt");
            assertTrue(sent.containsAll(trained.keySet()), "only sent examples were learnt");
            assertLineageRecordedAndEvaluated(lineage);
            try (NDManager manager = NDManager.newBaseManager()) {
                assertEquals(rows.size(), Checkpoints.readManifest(finalCheckpoint).examplesSeen());
                Checkpoints.load(finalCheckpoint, manager);
            }
        } finally {
            services.values().forEach(ServiceProcess::close);
        }
    }

    private void startServices(EmbeddedStack stack) {
        String kafka = stack.kafka().bootstrapServers();
        for (String worker : List.of("label-1", "label-2")) {
            start(worker, ServiceSettings.label(kafka).workerId(worker).teacher(TEACHER).tokenizer(TOKENIZER));
        }
        start("train", ServiceSettings.train(kafka).database(stack.database()).tokenizer(TOKENIZER)
                .checkpointDir(WORK.resolve("checkpoints")).checkpointEverySteps(10)
                .checkpointWhenIdle(Duration.ofSeconds(2)).batchSize(16).student(32, 1));
        start("eval", ServiceSettings.eval(kafka).database(stack.database())
                .heldOut(PROJECT.resolve("data/sst2/dev.tsv"), 50).tokenizer(TOKENIZER)
                .checkpointDir(WORK.resolve("checkpoints")));
    }

    private void start(String role, ServiceSettings<?> settings) {
        services.put(role, ServiceProcess.start(settings, PROJECT, WORK.resolve("logs").resolve(role)));
    }

    /** Posts the examples in small requests, pacing them so that the stream spans the kills. */
    private void send(List<LabeledRow> rows) {
        ObjectMapper json = new ObjectMapper();
        for (int start = 0; start < rows.size(); start += EXAMPLES_PER_REQUEST) {
            List<Map<String, Object>> request = new ArrayList<>();
            for (int i = start; i < Math.min(rows.size(), start + EXAMPLES_PER_REQUEST); i++) {
                request.add(Map.of("id", "ex-" + i, "text", rows.get(i).text(), "label", rows.get(i).label()));
            }
            synchronized (ingestLock) {
                try {
                    given().baseUri(services.get(ingest.get()).url())
                            .header("Authorization", ServiceProcess.AUTHORIZATION)
                            .contentType("application/json")
                            .body(json.writeValueAsString(request))
                            .post("/examples").then().statusCode(202);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            ServiceProcess.sleep(250);
        }
    }

    /** Every checkpoint the final student descends from is in train-service's table and on the leaderboard. */
    private void assertLineageRecordedAndEvaluated(List<Path> lineage) {
        CheckpointManifest newest = Checkpoints.readManifest(lineage.get(0));
        Set<String> expected = new HashSet<>();
        lineage.forEach(path -> expected.add(Checkpoints.readManifest(path).checkpointId()));
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        Set<String> recorded = Set.of();
        Set<String> evaluated = Set.of();
        while (System.nanoTime() < deadline) {
            recorded = new HashSet<>(given().baseUri(services.get("train").url())
                    .get("/runs/" + newest.runId() + "/checkpoints").then().statusCode(200).extract().path("id"));
            evaluated = new HashSet<>(given().baseUri(services.get("eval").url())
                    .get("/leaderboard").then().statusCode(200).extract().path("checkpointId"));
            if (recorded.containsAll(expected) && evaluated.containsAll(expected)) {
                return;
            }
            ServiceProcess.sleep(1000);
        }
        Set<String> unrecorded = new HashSet<>(expected);
        unrecorded.removeAll(recorded);
        Set<String> unevaluated = new HashSet<>(expected);
        unevaluated.removeAll(evaluated);
        throw new AssertionError("checkpoints of the lineage never recorded: " + unrecorded + "; never evaluated: "
                + unevaluated);
    }

    private static int count(Map<String, Integer> perName) {
        return perName.values().stream().mapToInt(Integer::intValue).sum();
    }

    private static Set<String> exampleIds(int sent) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < sent; i++) {
            ids.add("ex-" + i);
        }
        return ids;
    }
}
