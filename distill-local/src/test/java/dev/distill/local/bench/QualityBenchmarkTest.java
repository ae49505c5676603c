package dev.distill.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Directories;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The quality benchmark end to end on a small slice with a small pretrained teacher, so the full run (bench/quality)
 * keeps working; run twice, the second run takes every stage from the cache.
 */
class QualityBenchmarkTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();

    @Test
    @SuppressWarnings("unchecked")
    void smallRunProducesTheTableAndARerunReusesEveryStage() throws Exception {
        Path work = PROJECT.resolve("distill-local/target/bench-quality-test");
        Directories.delete(work);
        Map<String, String> options = new HashMap<>(Map.of("teacher", "pretrained:all-minilm-l6-v2",
                "teacher-examples", "128", "student-layers", "2", "student-intermediate", "768",
                "student-examples", "128", "augmented", "32", "seeds", "1,2", "eval-limit", "32",
                "latency-sentences", "4", "cache", work.resolve("cache").toString()));
        options.put("out", work.resolve("out").toString());
        // a slice this small would get many passes under the default "auto" (OfflineTrainingTest)
        options.put("teacher-epochs", "1");
        options.put("epochs", "1");

        String first = run(options);
        Map<String, Object> results = new ObjectMapper().readValue(work.resolve("out/results.json").toFile(),
                Map.class);
        assertEquals("data/sst2", results.get("data"), "named inside the project, not by this machine's folders");
        List<Map<String, Object>> rows = (List<Map<String, Object>>) results.get("rows");
        assertEquals(List.of("teacher", "hard-labels", "distilled", "distilled+hidden-states",
                "distilled+transfer-set", "distilled-random-init", "pruned"),
                rows.stream().map(r -> r.get("model")).toList());
        assertEquals(2, ((List<?>) rows.get(1).get("accuracyPerSeed")).size(), "hard labels over both seeds");
        assertEquals(2, ((List<?>) rows.get(2).get("accuracyPerSeed")).size(), "distilled over both seeds");
        for (Map<String, Object> row : rows) {
            assertTrue((double) row.get("millisPerSentenceAtBatch1") > 0, row.toString());
            assertTrue((double) row.get("sentencesPerSecondAtBatch32") > 0, row.toString());
        }
        Map<String, Object> checks = (Map<String, Object>) results.get("checks");
        double share = (double) checks.get("studentNonEmbeddingShareOfTeacher");
        assertTrue(share > 0.2 && share <= 0.25, "2 of MiniLM's 6 layers, feed-forward 768 of 1536: " + share);
        List<Map<String, Object>> onnx = (List<Map<String, Object>>) results.get("onnx");
        assertEquals(List.of("teacher/fp32", "teacher/int8", "distilled/fp32", "distilled/int8", "pruned/fp32",
                "pruned/int8"), onnx.stream()
                .map(r -> r.get("model") + "/" + r.get("precision")).toList(), "teacher and student as they ship");
        assertTrue((double) checks.get("int8LinearWeightsSmallerBy") >= 3.5, checks.toString());
        double pruned = (double) checks.get("prunedNonEmbeddingShareOfDistilled");
        assertTrue(pruned > 0.4 && pruned <= 0.5, "pruned to half the distilled student: " + pruned);
        assertEquals(2, ((List<?>) rows.get(6).get("accuracyPerSeed")).size(), "a pruned student per distilled one");
        assertEquals(6, rows.get(6).get("heads"), "half of MiniLM's 12 heads");
        assertTrue(first.contains("teacher: fine-tuning pretrained:all-minilm-l6-v2"), first);
        assertTrue(Files.readString(work.resolve("out/results.md"))
                .contains("| distilled+transfer-set | 2 x 384 (768) |"));

        String second = run(options);
        assertTrue(second.contains("teacher: cached fine-tuned"), second);
        assertTrue(second.contains("teacher outputs: cached"), second);
        // 2 hard-label, 2 distilled, 3 single-seed variants, 2 pruned (before and after recovery)
        assertEquals(11, second.lines().filter(line -> line.contains(": cached, accuracy")).count(), second);
        assertFalse(second.contains("training "), "nothing is trained again: " + second);

        options.put("variants", "distilled");
        String onlyDistilled = run(options);
        assertEquals(2, onlyDistilled.lines().filter(line -> line.contains(": cached, accuracy")).count(),
                onlyDistilled);
        options.put("variants", "distilled,soft-only");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> run(options));
        assertTrue(refused.getMessage().contains("soft-only"), refused.getMessage());
    }

    private static String run(Map<String, String> options) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        new QualityBenchmark(BenchmarkOptions.of(options, PROJECT), new PrintStream(printed, true,
                StandardCharsets.UTF_8)).run();
        return printed.toString(StandardCharsets.UTF_8);
    }
}
