package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.Directories;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.EvalResult;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import dev.distill.local.launch.ServiceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * eval-service killed with SIGKILL in the middle of a scoring comes back, reads the unfinished event again and scores
 * the checkpoint once (one leaderboard row, one eval result), then goes on to the next event: a restart neither loses
 * the event nor loops on it.
 */
class EvalRestartTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path WORK = PROJECT.resolve("distill-local/target/eval-restart");
    private static final Path TOKENIZER = PROJECT.resolve("data/vocab/tokenizer.json");
    private static final String SCORING_SECONDS = MetricNames.prometheus(MetricNames.EVAL_SCORING_SECONDS, "");

    @Test
    void killedInTheMiddleOfAScoringItScoresTheCheckpointOnceAfterARestart() {
        Directories.delete(WORK);
        Path checkpoints = WORK.resolve("checkpoints");
        // large enough that scoring SST-2 dev three ways (as trained, ONNX float, ONNX int8) takes a while
        ModelConfig size = new ModelConfig(30522, 256, 4, 4, 1024, 128, 2, 128, List.of("negative", "positive"));
        CheckpointEvent slow = announcement(OfflineTraining.untrained("slow-" + UUID.randomUUID(), size, TOKENIZER,
                checkpoints));
        CheckpointEvent next = announcement(OfflineTraining.untrained("next-" + UUID.randomUUID(),
                size.withLayers(1), TOKENIZER, checkpoints));
        try (EmbeddedStack stack = EmbeddedStack.start(WORK.resolve("stack"), Topics.all(), 1)) {
            String kafka = stack.kafka().bootstrapServers();
            ServiceProcess eval = ServiceProcess.start(ServiceSettings.eval(kafka).database(stack.database())
                    .heldOut(PROJECT.resolve("data/sst2/dev.tsv"), 0).tokenizer(TOKENIZER).checkpointDir(checkpoints),
                    PROJECT, WORK.resolve("logs"));
            try {
                publish(kafka, slow);
                publish(kafka, next);
                await(eval, service -> ServiceHttp.sum(ServiceHttp.metrics(service.url()), SCORING_SECONDS) > 1,
                        "the scoring started");
                assertTrue(scoreIds(eval).isEmpty(), "killed before the first scoring finished");
                eval.kill();
                eval = eval.restart();
                await(eval, service -> scoreIds(service).containsAll(List.of(slow.checkpointId(),
                        next.checkpointId())), "both checkpoints were scored after the restart");
                Map<String, Long> results = evalResults(kafka);
                assertEquals(1L, results.get(slow.checkpointId()), "eval results of the interrupted checkpoint");
                assertEquals(1L, results.get(next.checkpointId()), "eval results of the next checkpoint");
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + eval.tail(30), e);
            } finally {
                eval.close();
            }
        }
    }

    private static CheckpointEvent announcement(Path checkpoint) {
        return Checkpoints.readManifest(checkpoint).announcement(checkpoint);
    }

    private static void publish(String kafka, CheckpointEvent event) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.CHECKPOINTS, event.checkpointId(), WireCodec.encode(event)));
        }
    }

    private static List<String> scoreIds(ServiceProcess eval) {
        List<String> ids = new ArrayList<>();
        for (JsonNode row : ServiceHttp.getJson(eval.url() + "/leaderboard")) {
            ids.add(row.get("checkpointId").asText());
        }
        return ids;
    }

    /** Eval results on the topic, counted by checkpoint id. */
    private static Map<String, Long> evalResults(String kafka) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka,
                "group.id", "eval-restart-test-" + UUID.randomUUID(), "auto.offset.reset", "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.EVAL_RESULTS));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            for (int poll = 0; poll < 10; poll++) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            return records.stream().map(record -> WireCodec.decode(record.value(), EvalResult.class))
                    .collect(Collectors.groupingBy(EvalResult::checkpointId, Collectors.counting()));
        }
    }

    private static void await(ServiceProcess eval, Predicate<ServiceProcess> done, String what) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!done.test(eval)) {
            assertTrue(System.nanoTime() < deadline, what + " within 5 minutes");
            ServiceProcess.sleep(200);
        }
    }
}
