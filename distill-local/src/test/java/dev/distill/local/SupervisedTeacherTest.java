package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.Directories;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.embedded.EmbeddedDatabase;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.launch.LabelServiceSettings;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * A teacher trained by the project itself: label-service without a teacher passes gold labels through, train-service
 * with alpha = 1 trains on them alone, and the checkpoint it writes when it stops (recorded and announced) is a
 * teacher label-service loads.
 */
class SupervisedTeacherTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path WORK = PROJECT.resolve("distill-local/target/supervised-run");
    private static final Path TOKENIZER = PROJECT.resolve("data/vocab/tokenizer.json");
    private static final int EXAMPLES = 1000;

    @Test
    void goldLabelsTrainATeacherThatLabelServiceLoads() {
        Directories.delete(WORK);
        try (EmbeddedStack stack = EmbeddedStack.start(WORK.resolve("stack"), Topics.all(), 1)) {
            String kafka = stack.kafka().bootstrapServers();
            Path checkpoint;
            try (ServiceProcess label = startLabel(kafka, null);
                    ServiceProcess train = startTrain(stack)) {
                given().baseUri(label.url()).header("Authorization", ServiceProcess.AUTHORIZATION)
                        .contentType("application/json").body("[{\"text\": \"no label\"}]")
                        .post("/examples").then()
                        .statusCode(400)
                        .body("error", equalTo("example 0: label is missing; without a teacher (label.teacher) "
                                + "every example needs a gold label"));
                List<Map<String, Object>> examples = new ArrayList<>();
                List<LabeledRow> rows = LabeledTsv.readRows(PROJECT.resolve("data/sst2/train.tsv"), EXAMPLES);
                for (int i = 0; i < rows.size(); i++) {
                    examples.add(Map.of("id", "gold-" + i, "text", rows.get(i).text(), "label", rows.get(i).label()));
                }
                given().baseUri(label.url()).header("Authorization", ServiceProcess.AUTHORIZATION)
                        .contentType("application/json").body(examples)
                        .post("/examples").then().statusCode(202);
                awaitTrained(train, EXAMPLES);
            }
            // No periodic or idle checkpoint was due: the one covering every example was written at shutdown.
            CheckpointEvent last = lastCheckpointEvent(kafka);
            assertEquals(EXAMPLES, last.examplesSeen());
            assertEquals(1, checkpointRows(stack, last.checkpointId()), "checkpoint row in PostgreSQL");
            checkpoint = Path.of(last.path());
            CheckpointManifest manifest = Checkpoints.readManifest(checkpoint);
            assertEquals("1.0", manifest.runConfig().get("train.alpha"));
            assertEquals(SoftLabelBatch.NO_TEACHER, manifest.runConfig().get("train.teacher-id"));

            // The new teacher also publishes its layer-1 states, for intermediate-layer distillation.
            try (ServiceProcess label = startLabel(kafka, checkpoint)) {
                given().baseUri(label.url()).header("Authorization", ServiceProcess.AUTHORIZATION)
                        .contentType("application/json")
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

    private static void awaitTrained(ServiceProcess train, int examples) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            List<Integer> seen = given().baseUri(train.url()).get("/runs").then().extract().path("examplesSeen");
            if (!seen.isEmpty() && seen.get(0) >= examples) {
                return;
            }
            ServiceProcess.sleep(1000);
        }
        throw new AssertionError("train-service did not train on " + examples + " examples; its log:\n"
                + train.tail(30));
    }

    private static CheckpointEvent lastCheckpointEvent(String kafka) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka,
                "group.id", "supervised-test-checkpoints", "auto.offset.reset", "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.CHECKPOINTS));
            List<CheckpointEvent> events = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (events.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    events.add(WireCodec.decode(record.value(), CheckpointEvent.class));
                }
            }
            assertEquals(1, events.size(), "checkpoint events: " + events);
            return events.get(0);
        }
    }

    private static int checkpointRows(EmbeddedStack stack, String checkpointId) {
        try (Connection connection = DriverManager.getConnection(stack.database().jdbcUrl(),
                EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
                PreparedStatement query = connection.prepareStatement(
                        "select count(*) from student_checkpoint where id = ?")) {
            query.setString(1, checkpointId);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        } catch (SQLException e) {
            throw new AssertionError("cannot query the checkpoint table: " + e.getMessage(), e);
        }
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
                    SoftLabelBatch batch = SoftLabelCodec.decode(record.value());
                    batches.add(batch);
                    seen += batch.labels().size();
                }
            }
            assertTrue(seen >= examples, "soft labels read: " + seen);
            return batches;
        }
    }

    private static ServiceProcess startLabel(String kafka, Path teacher) {
        LabelServiceSettings settings = ServiceSettings.label(kafka).tokenizer(TOKENIZER);
        if (teacher != null) {
            settings.teacher(teacher).hiddenLayers(1);
        }
        return ServiceProcess.start(settings, PROJECT, WORK.resolve("logs"));
    }

    private static ServiceProcess startTrain(EmbeddedStack stack) {
        return ServiceProcess.start(ServiceSettings.train(stack.kafka().bootstrapServers()).database(stack.database())
                .alpha(1).tokenizer(TOKENIZER).checkpointDir(WORK.resolve("checkpoints"))
                .checkpointWhenIdle(Duration.ofMinutes(10)).checkpointEverySteps(100_000).student(32, 1),
                PROJECT, WORK.resolve("logs"));
    }
}
