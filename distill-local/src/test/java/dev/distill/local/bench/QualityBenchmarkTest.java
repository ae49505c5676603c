package dev.distill.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The quality benchmark end to end on a small slice, so the full run (bench/quality) keeps working. */
class QualityBenchmarkTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();

    @Test
    @SuppressWarnings("unchecked")
    void smallRunProducesTheTableWithEveryVariantAndSeed() throws Exception {
        Path out = PROJECT.resolve("distill-local/target/bench-quality-test");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Map<String, Object> results = new QualityBenchmark(BenchmarkOptions.of(Map.of(
                "labelled", "256", "transfer", "256", "augmented", "128", "eval-limit", "64", "seeds", "1,2",
                "epochs", "1",
                "teacher-epochs", "1", "teacher-size", "32,2,2", "student-size", "16,1,2", "out", out.toString()),
                PROJECT), new PrintStream(printed, true, StandardCharsets.UTF_8)).run();

        List<Map<String, Object>> rows = (List<Map<String, Object>>) results.get("rows");
        assertEquals(List.of("teacher", "hard-labels", "distilled", "distilled+transfer"),
                rows.stream().map(r -> r.get("model")).toList());
        for (Map<String, Object> row : rows.subList(1, 4)) {
            assertEquals(2, ((double[]) row.get("accuracyPerSeed")).length, "one score per seed");
        }
        Map<String, Object> checks = (Map<String, Object>) results.get("checks");
        double share = (double) checks.get("studentNonEmbeddingShareOfTeacher");
        assertTrue(share > 0 && share < 0.25, "student 16x1 vs teacher 32x2 share " + share);
        assertTrue(Files.readString(out.resolve("results.md")).contains("| distilled+transfer | 1 x 16 |"));
        assertTrue(Files.size(out.resolve("results.json")) > 0);
    }
}
