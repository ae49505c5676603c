package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.evaluation.ClassificationMetrics;
import dev.distill.core.export.HuggingFaceDirectory;
import dev.distill.core.export.StudentExport;
import dev.distill.core.model.ModelConfig;
import dev.distill.local.testkit.ScratchTeacher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The local run on AG News, whose four classes are named in the data (World, Sports, Business, Sci/Tech), with no
 * class flag anywhere: the teacher, the student, the leaderboard's macro-F1 and the exported {@code id2label} all
 * use the names.
 */
class NamedLabelsLocalRunTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final List<String> CLASSES = List.of("Business", "Sci/Tech", "Sports", "World");
    private static final int STREAMED = 4000;

    @Test
    void aFourClassNamedDataSetRunsEndToEnd() throws Exception {
        Path data = PROJECT.resolve("data/agnews");
        LocalRunOptions defaults = LocalRunOptions.defaults(PROJECT);
        Path teacherCheckpoint = ScratchTeacher.train(data.resolve("train.tsv"), 6080, 2,
                new ModelConfig(30522, 64, 1, 2, 64, 2), defaults.tokenizer(), PROJECT.resolve("distill-local/target/agnews-teacher"));
        LocalRunOptions options = defaults
                .withWorkDir(PROJECT.resolve("distill-local/target/agnews-run"))
                .withData(data.resolve("train.tsv"), data.resolve("dev.tsv"))
                .withLimits(STREAMED, 400)
                .withTeacher(teacherCheckpoint)
                .withStudent(new ModelConfig(30522, 64, 1, 2, 64, 2), null, 1e-3f, 40);
        try (LocalRun run = LocalRun.start(options, System.out)) {
            List<LabeledRow> rows = LabeledTsv.readRows(data.resolve("train.tsv"), STREAMED);
            run.stream(rows);
            String runId = run.awaitTrained(STREAMED, Duration.ofMinutes(10)).get("id").asText();
            JsonNode last = run.awaitEvaluated(runId, STREAMED, Duration.ofMinutes(5));
            ClassificationMetrics teacher = run.scoreTeacher();
            Main.printLeaderboard(System.out, run.leaderboard(), teacher);

            JsonNode leaderboard = run.leaderboard();
            ObjectMapper json = new ObjectMapper();
            for (JsonNode score : leaderboard) {
                assertEquals(CLASSES, json.readValue(score.get("labels").asText(), List.class));
            }
            assertTrue(teacher.accuracy() > 0.5, "teacher accuracy " + teacher.accuracy() + " (chance 0.25)");
            double macroF1 = last.get("macroF1").asDouble();
            assertTrue(last.get("accuracy").asDouble() > 0.3 && macroF1 > 0.2,
                    "student accuracy " + last.get("accuracy") + ", macro-F1 " + macroF1 + " (chance 0.25)");

            Path exported = options.workDir().resolve("exported");
            StudentExport.export(Path.of(last.get("path").asText()), options.tokenizer(), exported, Map.of());
            JsonNode config = json.readTree(exported.resolve(HuggingFaceDirectory.CONFIG).toFile());
            for (int i = 0; i < CLASSES.size(); i++) {
                assertEquals(CLASSES.get(i), config.get("id2label").get(String.valueOf(i)).asText());
            }
        }
    }
}
