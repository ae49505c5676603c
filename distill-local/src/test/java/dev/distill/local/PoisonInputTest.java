package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.Directories;
import dev.distill.core.Sha256;
import dev.distill.core.wire.Channels;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.SoftLabelEncoding;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Fuzz-style poison input: well over a thousand malformed Kafka records (to every consumed topic) and REST requests,
 * mixed with good ones. Every bad record must land in its dead-letter topic exactly once with a reason, every bad
 * request must get a 4xx with a JSON error, requests without credentials must be refused, every good example must be
 * labelled and trained on, and every service must still be up at the end.
 */
class PoisonInputTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path WORK = PROJECT.resolve("distill-local/target/poison-input");
    private static final Path TOKENIZER = PROJECT.resolve("data/vocab/tokenizer.json");
    private static final Path TEACHER = PROJECT.resolve("distill-core/src/test/resources/torchscript/tiny-teacher.pt");
    private static final int MAX_TEXT_CHARS = 2000;
    private static final int MAX_REQUEST_EXAMPLES = 50;
    private static final int BAD_EXAMPLE_RECORDS = 330;
    private static final int BAD_SOFT_LABEL_RECORDS = 260;
    private static final int BAD_CHECKPOINT_RECORDS = 110;
    private static final int BAD_REQUESTS = 330;
    private static final int GOOD_KAFKA_EXAMPLES = 100;
    private static final int GOOD_REQUESTS = 25;
    private static final int EXAMPLES_PER_GOOD_REQUEST = 4;

    private final Random random = new Random(7);

    @Test
    void malformedRecordsAndRequestsAreDeadLetteredOrRefusedAndGoodOnesProcessed() throws IOException {
        Directories.delete(WORK);
        try (EmbeddedStack stack = EmbeddedStack.start(WORK.resolve("stack"), Topics.all(), 1);
                ServiceProcess label = start(WORK, "label", ServiceSettings.label(stack.kafka().bootstrapServers())
                        .teacher(TEACHER).tokenizer(TOKENIZER).maxTextChars(MAX_TEXT_CHARS)
                        .maxRequestExamples(MAX_REQUEST_EXAMPLES));
                // The run's classes are set, as where the first batch cannot be trusted to name them: poison
                // batches of three logits come before any good one.
                ServiceProcess train = start(WORK, "train", ServiceSettings.train(stack.kafka().bootstrapServers())
                        .database(stack.database()).labels(List.of("0", "1")).tokenizer(TOKENIZER)
                        .checkpointDir(WORK.resolve("checkpoints")).checkpointWhenIdle(Duration.ofSeconds(2))
                        .student(16, 1));
                ServiceProcess eval = start(WORK, "eval", ServiceSettings.eval(stack.kafka().bootstrapServers())
                        .database(stack.database()).heldOut(PROJECT.resolve("data/sst2/dev.tsv"), 20)
                        .tokenizer(TOKENIZER).checkpointDir(WORK.resolve("checkpoints")))) {
            String kafka = stack.kafka().bootstrapServers();
            String tokenizerId = Sha256.of(TOKENIZER);
            Set<String> goodIds = new HashSet<>();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < BAD_EXAMPLE_RECORDS; i++) {
                    if (i % 3 == 0) {
                        TextExample good = new TextExample("kafka-" + i, "a good film , number " + i,
                                String.valueOf(i % 2));
                        producer.send(new ProducerRecord<>(Topics.EXAMPLES, good.id(), WireCodec.encode(good)));
                        goodIds.add(good.id());
                    }
                    producer.send(new ProducerRecord<>(Topics.EXAMPLES, "bad-" + i, badExample(i)));
                }
                for (int i = 0; i < BAD_SOFT_LABEL_RECORDS; i++) {
                    producer.send(new ProducerRecord<>(Topics.SOFT_LABELS, "bad-" + i, badSoftLabels(i, tokenizerId)));
                }
                for (int i = 0; i < BAD_CHECKPOINT_RECORDS; i++) {
                    producer.send(new ProducerRecord<>(Topics.CHECKPOINTS, "bad-" + i, badCheckpointEvent(i)));
                }
                producer.flush();
            }
            goodIds.addAll(fuzzRestIngest(label));

            assertDeadLettered(kafka, Topics.EXAMPLES, BAD_EXAMPLE_RECORDS);
            assertDeadLettered(kafka, Topics.SOFT_LABELS, BAD_SOFT_LABEL_RECORDS);
            assertDeadLettered(kafka, Topics.CHECKPOINTS, BAD_CHECKPOINT_RECORDS);
            assertEquals(goodIds, labelledIds(kafka, goodIds.size()), "every good example is labelled once");
            awaitTrained(train, goodIds.size());
            for (ServiceProcess service : List.of(label, train, eval)) {
                given().baseUri(service.url()).get("/q/health").then().statusCode(200);
            }
            System.out.printf("poison input: %d malformed records and %d malformed requests refused; %d good examples "
                            + "labelled and trained%n", BAD_EXAMPLE_RECORDS + BAD_SOFT_LABEL_RECORDS
                            + BAD_CHECKPOINT_RECORDS, BAD_REQUESTS, goodIds.size());
        }
    }

    @Test
    void mutatingRequestsNeedCredentials() throws IOException {
        Path work = WORK.resolveSibling("access-control");
        Directories.delete(work);
        try (EmbeddedStack stack = EmbeddedStack.start(work.resolve("stack"), Topics.all(), 1);
                ServiceProcess label = start(work, "label", ServiceSettings.label(stack.kafka().bootstrapServers())
                        .teacher(TEACHER).tokenizer(TOKENIZER));
                ServiceProcess readProtected = start(work, "read-protected",
                        ServiceSettings.label(stack.kafka().bootstrapServers()).teacher(TEACHER).tokenizer(TOKENIZER)
                                .readAccess("authenticated"))) {
            String body = "[{\"id\": \"a\", \"text\": \"fine\", \"label\": 1}]";
            given().baseUri(label.url()).contentType("application/json").body(body)
                    .post("/examples").then().statusCode(401);
            given().baseUri(label.url()).contentType("application/json").body(body)
                    .auth().preemptive().basic("distill", "wrong-key")
                    .post("/examples").then().statusCode(401);
            given().baseUri(label.url()).contentType("application/json").body(body)
                    .header("Authorization", ServiceProcess.AUTHORIZATION)
                    .post("/examples").then().statusCode(202);
            given().baseUri(label.url()).get("/q/health/ready").then().statusCode(200);
            given().baseUri(readProtected.url()).get("/no-such-page").then().statusCode(401);
            given().baseUri(readProtected.url()).header("Authorization", ServiceProcess.AUTHORIZATION)
                    .get("/no-such-page").then().statusCode(404);
            given().baseUri(readProtected.url()).get("/q/health/ready").then().statusCode(200);
        }
    }

    private static ServiceProcess start(Path work, String role, ServiceSettings<?> settings) {
        return ServiceProcess.start(settings, PROJECT, work.resolve("logs").resolve(role));
    }

    /** One malformed example record, of a kind chosen by {@code i}. */
    private byte[] badExample(int i) {
        List<IntFunction<byte[]>> kinds = List.of(
                n -> randomBytes(1 + random.nextInt(200)),
                n -> concat("{\"id\": \"u" + n + "\", \"text\": \"", new byte[] {(byte) 0xC3, (byte) 0x28}, "\"}"),
                n -> utf8("{\"id\": \"t" + n + "\", \"text\": \"cut off"),
                n -> utf8("[1, 2, 3]"),
                n -> utf8("{\"id\": \"e" + n + "\", \"text\": \"   \", \"label\": 1}"),
                n -> WireCodec.encode(new TextExample("l" + n, "x".repeat(MAX_TEXT_CHARS + 1), "0")),
                n -> WireCodec.encode(new TextExample("r" + n, "fine text", n % 2 == 0 ? "2" : "-1")),
                n -> utf8("{\"id\": \"w" + n + "\", \"text\": \"fine\", \"label\": \"positive\"}"),
                n -> utf8("{\"id\": \"o" + n + "\", \"text\": \"" + "y".repeat(20 * MAX_TEXT_CHARS) + "\"}"),
                n -> new byte[0],
                n -> WireCodec.encode(new TextExample("line\nbreak" + n, "fine text", "1")),
                n -> utf8("{\"id\": null, \"text\": \"no id\"}"));
        return kinds.get(i % kinds.size()).apply(i);
    }

    /** One soft-label record train-service must not train on. */
    private byte[] badSoftLabels(int i, String tokenizerId) {
        SoftLabel ok = new SoftLabel("s" + i, "some text", 1, new float[] {0.1f, 0.2f});
        List<IntFunction<byte[]>> kinds = List.of(
                n -> randomBytes(1 + random.nextInt(300)),
                n -> utf8("{\"batchId\": \"b" + n + "\", \"labels\": [{\"exampleId\": "),
                n -> utf8("{\"batchId\": \"b" + n + "\"}"),
                n -> batch(n, tokenizerId, List.of()),
                n -> batch(n, "another-tokenizer", List.of(ok)),
                n -> batch(n, tokenizerId, List.of(new SoftLabel("s" + n, "text", 1, new float[] {1f, 2f, 3f}))),
                n -> batch(n, tokenizerId, List.of(new SoftLabel("s" + n, "text", 7, new float[] {1f, 2f}))),
                n -> batch(n, tokenizerId, List.of(new SoftLabel("s" + n, null, 1, new float[] {1f, 2f}))),
                n -> batch(n, tokenizerId, List.of(new SoftLabel("s" + n, "text", 1,
                        new float[] {Float.NaN, 2f}))),
                n -> batch(n, tokenizerId, List.of(ok, new SoftLabel("s" + n, "text", 0, null))),
                n -> Arrays.copyOf(binary(n, tokenizerId, List.of(ok)), 24),
                n -> {
                    byte[] otherVersion = binary(n, tokenizerId, List.of(ok));
                    otherVersion[3] = 9;
                    return otherVersion;
                },
                n -> new byte[0]);
        return kinds.get(i % kinds.size()).apply(i);
    }

    private static byte[] binary(int n, String tokenizerId, List<SoftLabel> labels) {
        return new SoftLabelCodec(SoftLabelEncoding.FP16, 0).encode(
                new SoftLabelBatch("b" + n, "tiny-teacher", tokenizerId, 2f, null, labels));
    }

    private static byte[] batch(int n, String tokenizerId, List<SoftLabel> labels) {
        return WireCodec.encode(new SoftLabelBatch("b" + n, "tiny-teacher", tokenizerId, 2f, null, labels));
    }

    /** One checkpoint event eval-service must not score. */
    private byte[] badCheckpointEvent(int i) {
        List<IntFunction<byte[]>> kinds = List.of(
                n -> randomBytes(1 + random.nextInt(100)),
                n -> WireCodec.encode(new CheckpointEvent("run", "c" + n, 1, 1, "/etc", 0.1)),
                n -> WireCodec.encode(new CheckpointEvent("run", "c" + n, 1, 1, "../../../../etc/passwd", 0.1)),
                n -> WireCodec.encode(new CheckpointEvent("run", "c" + n, 1, 1, "step-0000000001-missing", 0.1)),
                n -> utf8("{\"checkpointId\": \"c" + n + "\"}"),
                n -> utf8("not json at all " + n));
        return kinds.get(i % kinds.size()).apply(i);
    }

    /**
     * Sends {@link #BAD_REQUESTS} malformed requests (each must get a 4xx with a JSON error) and
     * {@link #GOOD_REQUESTS} good ones; returns the ids of the accepted examples.
     */
    private Set<String> fuzzRestIngest(ServiceProcess label) {
        List<String> badBodies = List.of(
                "",
                "   ",
                "{not json",
                "[]",
                "[{\"text\": \"\"}]",
                "[{\"text\": \"fine\", \"label\": 7}]",
                "[{\"text\": \"fine\", \"label\": -1}]",
                "[{\"text\": \"fine\", \"label\": \"good\"}]",
                "[{\"text\": 12}]",
                "[{\"label\": 1}]",
                "[42]",
                "[{\"id\": \"a\\u0000b\", \"text\": \"fine\", \"label\": 1}]",
                "[{\"text\": \"" + "z".repeat(MAX_TEXT_CHARS + 1) + "\", \"label\": 1}]",
                "{\"text\": \"fine\"}\n{broken",
                manyExamples(MAX_REQUEST_EXAMPLES + 1));
        Set<String> accepted = new HashSet<>();
        int good = 0;
        for (int i = 0; i < BAD_REQUESTS; i++) {
            Response response;
            if (i % 5 == 4) {
                byte[] invalidUtf8 = concat("[{\"text\": \"caf", new byte[] {(byte) 0xE9}, "\", \"label\": 1}]");
                response = post(label, "application/json", invalidUtf8);
            } else if (i % 11 == 10) {
                response = post(label, "application/xml", utf8("<example/>"));
            } else {
                response = post(label, i % 2 == 0 ? "application/json" : "application/x-ndjson",
                        utf8(badBodies.get(i % badBodies.size())));
            }
            int status = response.statusCode();
            assertTrue(status >= 400 && status < 500, "request " + i + " got " + status);
            String error = response.jsonPath().getString("error");
            assertTrue(error != null && !error.isBlank(), "request " + i + " has a JSON error: "
                    + response.asString());
            if (i % (BAD_REQUESTS / GOOD_REQUESTS) == 0 && good < GOOD_REQUESTS) {
                List<Map<String, Object>> examples = new ArrayList<>();
                for (int j = 0; j < EXAMPLES_PER_GOOD_REQUEST; j++) {
                    examples.add(Map.of("id", "rest-" + good + "-" + j, "text", "a fine request " + j, "label", j % 2));
                }
                given().baseUri(label.url()).header("Authorization", ServiceProcess.AUTHORIZATION)
                        .contentType("application/json").body(examples)
                        .post("/examples").then().statusCode(202);
                examples.forEach(example -> accepted.add((String) example.get("id")));
                good++;
            }
        }
        assertEquals(GOOD_REQUESTS, good);
        return accepted;
    }

    private static Response post(ServiceProcess label, String contentType, byte[] body) {
        return given().baseUri(label.url()).header("Authorization", ServiceProcess.AUTHORIZATION)
                .contentType(contentType).body(body).post("/examples");
    }

    private static String manyExamples(int count) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            json.append(i == 0 ? "" : ",").append("{\"text\": \"t").append(i).append("\", \"label\": 0}");
        }
        return json.append("]").toString();
    }

    /** Reads the topic's dead-letter topic until {@code expected} records are there, then a little longer. */
    private static void assertDeadLettered(String kafka, String topic, int expected) {
        List<ConsumerRecord<String, byte[]>> records = readAll(kafka, Topics.deadLetter(topic), expected);
        assertEquals(expected, records.size(), "records in " + Topics.deadLetter(topic));
        for (ConsumerRecord<String, byte[]> record : records) {
            Header reason = record.headers().lastHeader(Channels.DEAD_LETTER_REASON_HEADER);
            assertTrue(reason != null && reason.value().length > 0, "dead letter " + record.key() + " has a reason");
            assertTrue(record.key() == null || record.key().startsWith("bad-"),
                    "only bad records are dead-lettered: " + record.key() + " ("
                            + new String(reason.value(), StandardCharsets.UTF_8) + ")");
        }
    }

    private static Set<String> labelledIds(String kafka, int expected) {
        Set<String> ids = new HashSet<>();
        List<ConsumerRecord<String, byte[]>> records = readAll(kafka, Topics.SOFT_LABELS, 0);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            ids.clear();
            List<String> all = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : records) {
                try {
                    SoftLabelBatch batch = SoftLabelCodec.decode(record.value());
                    if ("tiny-teacher".equals(batch.teacherId())) {
                        continue; // the bad batches this test wrote itself
                    }
                    batch.labels().forEach(soft -> all.add(soft.exampleId()));
                } catch (RuntimeException e) {
                    // a bad record this test wrote itself
                }
            }
            ids.addAll(all);
            assertEquals(all.size(), ids.size(), "no example is labelled twice");
            if (ids.size() >= expected) {
                return ids;
            }
            ServiceProcess.sleep(1000);
            records = readAll(kafka, Topics.SOFT_LABELS, 0);
        }
        return ids;
    }

    /** Every committed record of the topic, polling until at least {@code atLeast} are read or a minute passes. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String kafka, String topic, int atLeast) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", kafka, "isolation.level", "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            int quietPolls = 0;
            while (System.nanoTime() < deadline && (records.size() < atLeast || quietPolls < 3)) {
                var polled = consumer.poll(Duration.ofSeconds(1));
                polled.forEach(records::add);
                quietPolls = polled.isEmpty() ? quietPolls + 1 : 0;
            }
        }
        return records;
    }

    private static void awaitTrained(ServiceProcess train, int examples) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        int seen = 0;
        while (seen < examples && System.nanoTime() < deadline) {
            ServiceProcess.sleep(500);
            List<Integer> runs = given().baseUri(train.url()).get("/runs").then().extract().path("examplesSeen");
            seen = runs.isEmpty() ? 0 : runs.get(0);
        }
        assertEquals(examples, seen, "examples the student trained on");
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(String before, byte[] middle, String after) {
        byte[] head = utf8(before);
        byte[] tail = utf8(after);
        byte[] all = new byte[head.length + middle.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(middle, 0, all, head.length, middle.length);
        System.arraycopy(tail, 0, all, head.length + middle.length, tail.length);
        return all;
    }
}
