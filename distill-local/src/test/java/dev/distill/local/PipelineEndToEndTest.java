package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.data.LabeledText;
import dev.distill.core.model.ModelConfig;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three packaged services against one real Kafka broker and one real PostgreSQL: labelled SST-2 examples go
 * in over REST, checkpoints come out, are scored, and the leaderboard shows a student above chance.
 */
class PipelineEndToEndTest {
    private static final int STREAMED = 4000;
    private static final int HELD_OUT = 300;

    private static LocalRun run;
    private static String runId;
    private static JsonNode finalScore;

    @BeforeAll
    static void runPipeline() {
        Path project = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
        LocalRunOptions options = LocalRunOptions.defaults(project)
                .withWorkDir(project.resolve("distill-local/target/e2e-run"))
                .withLimits(STREAMED, HELD_OUT)
                .withTeacher(null, 4000, 3, new ModelConfig(30522, 64, 1, 2, 64, 2))
                .withStudent(new ModelConfig(30522, 64, 1, 2, 64, 2), 40, 10);
        run = LocalRun.start(options, System.out);
        List<LabeledText> rows = LabeledTsv.read(project.resolve("data/sst2/train.tsv"), STREAMED);
        run.stream(rows);
        JsonNode trained = run.awaitTrained(STREAMED, Duration.ofMinutes(10));
        runId = trained.get("id").asText();
        finalScore = run.awaitEvaluated(runId, STREAMED, Duration.ofMinutes(5));
        System.out.printf("teacher accuracy %.4f, final student accuracy %.4f%n", run.scoreTeacher().accuracy(),
                finalScore.get("accuracy").asDouble());
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @Test
    void everyExampleWasTrainedOnExactlyOnceInOneRun() {
        given().baseUri(run.trainUrl()).get("/runs").then()
                .statusCode(200)
                .body("$", hasSize(1))
                .body("[0].examplesSeen", equalTo(STREAMED));
    }

    @Test
    void checkpointsWereWrittenAndLoadable() {
        JsonPath checkpoints = given().baseUri(run.trainUrl()).get("/runs/" + runId + "/checkpoints")
                .then().statusCode(200).extract().jsonPath();
        List<String> paths = checkpoints.getList("path");
        assertTrue(paths.size() >= 2, "expected periodic and final checkpoints, got " + paths);
        for (String path : paths) {
            CheckpointManifest manifest = Checkpoints.readManifest(Path.of(path));
            assertEquals(runId, manifest.runId());
            assertEquals("0.5", manifest.runConfig().get("train.alpha"));
            assertTrue(Files.isRegularFile(Path.of(path, Checkpoints.PARAMETERS)));
        }
    }

    @Test
    void everyCheckpointWasEvaluatedAndTheBestBeatsChance() {
        int checkpoints = given().baseUri(run.trainUrl()).get("/runs/" + runId + "/checkpoints")
                .then().extract().jsonPath().getList("id").size();
        given().baseUri(run.evalUrl()).get("/leaderboard").then()
                .statusCode(200)
                .body("$", hasSize(checkpoints))
                .body("[0].examples", equalTo(HELD_OUT))
                .body("[0].accuracy", greaterThan(0.58f))
                .body("[0].runId", equalTo(runId));
        assertTrue(finalScore.get("accuracy").asDouble() > 0.55,
                "final checkpoint accuracy " + finalScore.get("accuracy"));
    }

    @Test
    void badIngestRequestsAreRefusedWithAReason() {
        given().baseUri(run.labelUrl()).header("Authorization", ServiceProcess.AUTHORIZATION)
                .contentType("application/json").body("[{\"text\": \"\"}]")
                .post("/examples").then()
                .statusCode(400)
                .body("error", equalTo("example 0: text is empty"));
        given().baseUri(run.labelUrl()).header("Authorization", ServiceProcess.AUTHORIZATION)
                .contentType("application/json").body("[{\"text\": \"fine\", \"label\": 7}]")
                .post("/examples").then()
                .statusCode(400)
                .body("error", equalTo("example 0: label 7 is outside [0, 2)"));
        given().baseUri(run.labelUrl()).header("Authorization", ServiceProcess.AUTHORIZATION)
                .contentType("application/json").body("{not json")
                .post("/examples").then()
                .statusCode(400);
    }
}
