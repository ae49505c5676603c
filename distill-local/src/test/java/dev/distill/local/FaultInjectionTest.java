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
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
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

            Map<String, Integer> labelled = labelledExampleIds(stack.kafka().bootstrapServers(), rows.size());
            Path finalCheckpoint = awaitCheckpointCovering(rows.size());
            List<Path> lineage = lineage(finalCheckpoint);
            Map<String, Integer> trained = new HashMap<>();
            for (Path checkpoint : lineage) {
                Checkpoints.readAppliedExamples(checkpoint).forEach(id -> trained.merge(id, 1, Integer::sum));
            }
            int labelledDuplicates = duplicates(labelled);
            int trainedDuplicates = duplicates(trained);
            int lost = lost(rows.size(), labelled) + lost(rows.size(), trained);
            System.out.printf("fault injection (seed %d): examples sent %d, labelled %d, trained %d, duplicates %d, "
                            + "lost %d, kills survived %d %s, restarts survived %d %s%n", SEED, rows.size(),
                    labelled.size(), trained.size(), labelledDuplicates + trainedDuplicates, lost,
                    count(killsPerService), killsPerService, count(outages), outages);

            assertEquals(0, labelledDuplicates, "examples labelled twice in the committed soft-label log");
            assertEquals(0, trainedDuplicates, "examples the final student learnt twice");
            assertEquals(rows.size(), labelled.size(), "examples labelled");
            assertEquals(rows.size(), trained.size(), "examples the final student learnt");
            assertTrue(exampleIds(rows.size()).containsAll(trained.keySet()), "only sent examples were learnt");
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

    /** Example ids in the committed soft-label log, with how often each occurs; reads until all are there. */
    private static Map<String, Integer> labelledExampleIds(String bootstrap, int expected) {
        Map<String, Integer> ids = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrap, "isolation.level", "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.SOFT_LABELS).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
            while (ids.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    for (SoftLabel label : SoftLabelCodec.decode(record.value()).labels()) {
                        ids.merge(label.exampleId(), 1, Integer::sum);
                    }
                }
            }
            // Anything committed after the last id arrived would be a duplicate: read a little longer.
            for (int i = 0; i < 3; i++) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    for (SoftLabel label : SoftLabelCodec.decode(record.value()).labels()) {
                        ids.merge(label.exampleId(), 1, Integer::sum);
                    }
                }
            }
        }
        return ids;
    }

    /** Waits for the newest valid checkpoint to hold at least {@code examples} examples. */
    private static Path awaitCheckpointCovering(int examples) {
        Path root = WORK.resolve("checkpoints");
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Path newest = Checkpoints.newestValid(root, reason -> { }).orElse(null);
            if (newest != null && Checkpoints.readManifest(newest).examplesSeen() >= examples) {
                return newest;
            }
            ServiceProcess.sleep(1000);
        }
        throw new AssertionError("no checkpoint covers " + examples + " examples within " + SETTLE_TIMEOUT);
    }

    /** The checkpoint and its ancestors, newest first. */
    private static List<Path> lineage(Path checkpoint) throws IOException {
        List<Path> chain = new ArrayList<>();
        for (Path current = checkpoint; current != null; ) {
            chain.add(current);
            String parent = Checkpoints.readManifest(current).parentCheckpointId();
            current = parent == null ? null : checkpointWithId(current.getParent(), parent);
        }
        return chain;
    }

    private static Path checkpointWithId(Path root, String checkpointId) throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(path -> path.getFileName().toString().endsWith("-" + checkpointId)).findFirst()
                    .orElseThrow(() -> new AssertionError("parent checkpoint " + checkpointId + " is missing"));
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

    private static int duplicates(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(count -> count - 1).sum();
    }

    private static int lost(int sent, Map<String, Integer> counts) {
        return (int) exampleIds(sent).stream().filter(id -> !counts.containsKey(id)).count();
    }

    private static Set<String> exampleIds(int sent) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < sent; i++) {
            ids.add("ex-" + i);
        }
        return ids;
    }
}
