package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.embedded.EmbeddedDatabase;
import dev.distill.embedded.EmbeddedStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * A teacher trained by the project itself: label-service without a teacher passes gold labels through, train-service
 * with alpha = 1 trains on them alone, and the checkpoint it writes is a teacher label-service loads.
 */
class SupervisedTeacherTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path WORK = PROJECT.resolve("distill-local/target/supervised-run");
    private static final Path TOKENIZER = PROJECT.resolve("data/vocab/tokenizer.json");
    private static final int EXAMPLES = 1000;

    @Test
    void goldLabelsTrainATeacherThatLabelServiceLoads() {
        try (EmbeddedStack stack = EmbeddedStack.start(WORK.resolve("stack"), Topics.all(), 1)) {
            String kafka = stack.kafka().bootstrapServers();
            Path checkpoint;
            try (ServiceProcess label = startLabel(kafka, null);
                    ServiceProcess train = startTrain(stack)) {
                given().baseUri(label.url()).contentType("application/json").body("[{\"text\": \"no label\"}]")
                        .post("/examples").then()
                        .statusCode(400)
                        .body("error", equalTo("example 0: label is missing; without a teacher (label.teacher) "
                                + "every example needs a gold label"));
                List<Map<String, Object>> examples = new ArrayList<>();
                List<LabeledText> rows = LabeledTsv.read(PROJECT.resolve("data/sst2/train.tsv"), EXAMPLES);
                for (int i = 0; i < rows.size(); i++) {
                    examples.add(Map.of("id", "gold-" + i, "text", rows.get(i).text(), "label", rows.get(i).label()));
                }
                given().baseUri(label.url()).contentType("application/json").body(examples)
                        .post("/examples").then().statusCode(202);
                checkpoint = awaitCheckpointCovering(train, EXAMPLES);
            }
            CheckpointManifest manifest = Checkpoints.readManifest(checkpoint);
            assertEquals("1.0", manifest.runConfig().get("train.alpha"));
            assertEquals(SoftLabelBatch.NO_TEACHER, manifest.runConfig().get("train.teacher-id"));

            // The new teacher also publishes its layer-1 states, for intermediate-layer distillation.
            try (ServiceProcess label = startLabel(kafka, checkpoint)) {
                given().baseUri(label.url()).contentType("application/json")
                        .body("[{\"id\": \"probe\", \"text\": \"a gripping , funny film\"}]")
                        .post("/examples").then().statusCode(202);
                List<SoftLabelBatch> batches = readSoftLabels(kafka, EXAMPLES + 1);
                SoftLabelBatch gold = batches.get(0);
                assertEquals(SoftLabelBatch.NO_TEACHER, gold.teacherId());
                assertNull(gold.labels().get(0).logits());
                SoftLabelBatch taught = batches.get(batches.size() - 1);
                assertEquals(manifest.parametersSha256(), taught.teacherId());
                SoftLabel probe = taught.labels().get(0);
                assertEquals("probe", probe.exampleId());
                assertNotNull(probe.logits());
                assertEquals(2, probe.logits().length);
                assertEquals(1, taught.hiddenLayers()[0]);
                assertEquals(32, probe.hidden()[0].length);
            }
        }
    }

    private static Path awaitCheckpointCovering(ServiceProcess train, int examples) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> runs = given().baseUri(train.url()).get("/runs").then().extract().path("id");
            if (!runs.isEmpty()) {
                List<Map<String, Object>> checkpoints = given().baseUri(train.url())
                        .get("/runs/" + runs.get(0) + "/checkpoints").then().extract().path("$");
                for (Map<String, Object> checkpoint : checkpoints) {
                    if (((Number) checkpoint.get("examplesSeen")).intValue() >= examples) {
                        return Path.of((String) checkpoint.get("path"));
                    }
                }
            }
            ServiceProcess.sleep(1000);
        }
        throw new AssertionError("no checkpoint covering " + examples + " examples; train-service log:\n"
                + train.tail(30));
    }

    private static List<SoftLabelBatch> readSoftLabels(String kafka, int examples) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka,
                "group.id", "supervised-test", "auto.offset.reset", "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.SOFT_LABELS));
            List<SoftLabelBatch> batches = new ArrayList<>();
            int seen = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen < examples && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    SoftLabelBatch batch = WireCodec.decode(record.value(), SoftLabelBatch.class);
                    batches.add(batch);
                    seen += batch.labels().size();
                }
            }
            assertTrue(seen >= examples, "soft labels read: " + seen);
            return batches;
        }
    }

    private static ServiceProcess startLabel(String kafka, Path teacher) {
        Map<String, String> properties = new HashMap<>(Map.of("kafka.bootstrap.servers", kafka,
                "label.tokenizer", TOKENIZER.toString()));
        if (teacher != null) {
            properties.put("label.teacher", teacher.toString());
            properties.put("label.hidden-layers", "1");
        }
        return ServiceProcess.start("label-service", PROJECT, ServiceProcess.freePort(), properties,
                WORK.resolve("logs"), PROJECT.resolve("target/djl-cache"));
    }

    private static ServiceProcess startTrain(EmbeddedStack stack) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "kafka.bootstrap.servers", stack.kafka().bootstrapServers(),
                "quarkus.datasource.reactive.url", stack.database().reactiveUrl(),
                "quarkus.datasource.username", EmbeddedDatabase.USER,
                "quarkus.datasource.password", EmbeddedDatabase.PASSWORD,
                "train.alpha", "1",
                "train.tokenizer", TOKENIZER.toString(),
                "train.checkpoint-dir", WORK.resolve("checkpoints").toString(),
                "train.checkpoint-when-idle", "PT2S",
                "train.student.hidden-size", "32",
                "train.student.layers", "1"));
        return ServiceProcess.start("train-service", PROJECT, ServiceProcess.freePort(), properties,
                WORK.resolve("logs"), PROJECT.resolve("target/djl-cache"));
    }
}
