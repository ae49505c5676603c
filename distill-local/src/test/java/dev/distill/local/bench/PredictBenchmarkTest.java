package dev.distill.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.Directories;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The /predict load benchmark on a short slice (a second per level), so that bench/predict keeps working. */
class PredictBenchmarkTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();

    @Test
    @SuppressWarnings("unchecked")
    void everyLevelIsAnsweredWithoutFailures() throws Exception {
        Path work = PROJECT.resolve("distill-local/target/bench-predict-test");
        Directories.delete(work);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Map<String, Object> results = new PredictBenchmark(BenchmarkOptions.of(Map.of("clients", "1,4", "seconds", "2",
                "warm-up-seconds", "1", "out", work.toString()), PROJECT),
                new PrintStream(printed, true, StandardCharsets.UTF_8)).run();
        List<Map<String, Object>> rows = (List<Map<String, Object>>) results.get("rows");
        assertEquals(List.of(1, 4), rows.stream().map(row -> row.get("clients")).toList());
        for (Map<String, Object> row : rows) {
            assertTrue((int) row.get("requests") > 0, row.toString());
            assertEquals(0L, row.get("failed"), row.toString());
            assertTrue((double) row.get("p95Millis") >= (double) row.get("p50Millis"), row.toString());
        }
        assertTrue(Files.readString(work.resolve("results.md")).contains("| 4 |"), printed.toString());
    }
}
