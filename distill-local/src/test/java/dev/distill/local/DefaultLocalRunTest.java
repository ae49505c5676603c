package dev.distill.local;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.Directories;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.export.HuggingFaceDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's local run with its defaults on small numbers: a teacher fine-tuned here from bge-small-en-v1.5, a
 * student of a quarter of its non-embedding parameters started from its layers and trained through the three
 * services, the teacher and the best student side by side, and the exported student.
 */
class DefaultLocalRunTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();

    @Test
    void theDefaultRunFineTunesATeacherAndExportsAQuarterSizeStudent() throws Exception {
        Path teachers = PROJECT.resolve("distill-local/target/default-run-teachers");
        Directories.delete(teachers);
        LocalRunOptions options = LocalRunOptions.defaults(PROJECT)
                .withWorkDir(PROJECT.resolve("distill-local/target/default-run"))
                .withTeacherCache(teachers)
                .withTeacherExamples(96)
                .withLimits(320, 100);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        try (LocalRun run = LocalRun.start(options, out)) {
            TeacherStudentComparison comparison = Main.streamAndReport(run, options, out);
            String transcript = printed.toString(StandardCharsets.UTF_8);
            System.out.print(transcript);

            assertTrue(transcript.contains("teacher: fine-tuning pretrained:bge-small-en-v1.5"), transcript);
            assertTrue(Files.readString(run.log("label-service")).contains("on ONNX Runtime"),
                    "a checkpoint teacher runs on ONNX Runtime by default");
            assertTrue(transcript.contains("dashboard: " + run.dashboardUrl()), transcript);
            given().get(run.dashboardUrl()).then().statusCode(200).contentType(containsString("text/html"))
                    .body(containsString("Distillation dashboard"));
            assertTrue(comparison.studentShareOfNonEmbeddingParameters() <= 0.25,
                    "student share " + comparison.studentShareOfNonEmbeddingParameters());
            Path student = Checkpoints.newestValid(run.checkpointDir(), reason -> { }).orElseThrow();
            CheckpointManifest manifest = Checkpoints.readManifest(student);
            assertEquals(3, manifest.model().layers());
            assertEquals(1472, manifest.model().intermediateSize());
            assertEquals(run.teacher().toString(), manifest.runConfig().get("train.init-from"));
            assertTrue(transcript.matches("(?s).*non-embedding parameters\\s+21,442,946\\s+\\d[\\d,]* \\(24\\.8%\\).*"),
                    transcript);

            Path exported = options.workDir().resolve("exported-student");
            assertTrue(Files.size(exported.resolve("model.onnx")) > 1_000_000, "ONNX model written");
            assertTrue(Files.size(exported.resolve("model.int8.onnx")) < Files.size(exported.resolve("model.onnx")),
                    "int8 ONNX model written beside it");
            assertTrue(Files.isRegularFile(exported.resolve("huggingface").resolve(HuggingFaceDirectory.CONFIG)));
            assertTrue(transcript.contains(exported.resolve("model.onnx").toString()), transcript);
        }
    }
}
