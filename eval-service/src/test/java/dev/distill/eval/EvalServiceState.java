package dev.distill.eval;

import static io.restassured.RestAssured.given;

import dev.distill.core.wire.CheckpointEvent;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import dev.distill.testkit.KafkaTopics;
import dev.distill.testkit.TestCheckpoints;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** What the eval-service under test has done, as its HTTP API tells, and checkpoint events sent to it. */
public final class EvalServiceState {
    private static final Duration WAIT = Duration.ofMinutes(2);

    private EvalServiceState() {
    }

    /** Writes a checkpoint of a run of its own with weights drawn from {@code seed}, and waits until it serves. */
    public static CheckpointEvent promoteNew(int seed) {
        CheckpointEvent event = TestCheckpoints.write(EvalTestProfile.CHECKPOINT_DIR, "run-" + UUID.randomUUID(), 1,
                seed);
        send(event);
        awaitPromoted(event.checkpointId());
        return event;
    }

    /** Publishes the event on the checkpoint topic, keyed by its checkpoint id, as train-service does. */
    public static void send(CheckpointEvent event) {
        KafkaTopics.send(Topics.CHECKPOINTS, event.checkpointId(), WireCodec.encode(event));
    }

    public static boolean scored(String checkpointId) {
        List<String> ids = given().get("/leaderboard").then().statusCode(200).extract().jsonPath()
                .getList("checkpointId");
        return ids.contains(checkpointId);
    }

    /** Waits until the checkpoint is on the leaderboard. */
    public static void awaitScored(String checkpointId) {
        await(() -> scored(checkpointId), "checkpoint " + checkpointId + " was not scored");
    }

    /** Waits until the checkpoint is the promoted one. */
    public static void awaitPromoted(String checkpointId) {
        await(() -> {
            Response current = given().get("/promotions/current");
            return current.statusCode() == 200 && checkpointId.equals(current.jsonPath().getString("checkpointId"));
        }, "checkpoint " + checkpointId + " was not promoted");
    }

    /** The checkpoint's leaderboard row. */
    public static JsonPath leaderboardRow(String checkpointId) {
        return given().get("/leaderboard").then().statusCode(200).extract().jsonPath()
                .setRootPath("find { it.checkpointId == '" + checkpointId + "' }");
    }

    private static void await(BooleanSupplier done, String failure) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure + " within " + WAIT.toMinutes() + " minutes");
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
    }
}
