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

/**
 * The encoding part of the performance benchmark on a small teacher: fp16 soft labels take at most a quarter of
 * JSON's bytes with a KL error under 1e-4 on SST-2 teacher outputs, and the results files are written.
 */
class PerformanceBenchmarkTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();

    @Test
    @SuppressWarnings("unchecked")
    void fp16SoftLabelsAreAQuarterOfJsonWithNegligibleKlError() throws Exception {
        Path out = PROJECT.resolve("distill-local/target/bench-performance-test");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Map<String, Object> results = new PerformanceBenchmark(BenchmarkOptions.of(Map.of(
                "parts", "encodings", "encoding-teacher-examples", "512", "out", out.toString()), PROJECT),
                new PrintStream(printed, true, StandardCharsets.UTF_8)).run();

        Map<String, Object> encodings = (Map<String, Object>) results.get("encodings");
        List<Map<String, Object>> sst2 = (List<Map<String, Object>>) encodings.get("sst2");
        assertEquals(List.of("json", "fp32", "fp16", "top-1"), sst2.stream().map(row -> row.get("encoding")).toList());
        Map<String, Object> fp16 = sst2.get(2);
        assertTrue((double) fp16.get("shareOfJson") <= 0.25, "fp16 share of JSON " + fp16.get("shareOfJson"));
        assertTrue((double) fp16.get("klMax") < 1e-4, "fp16 KL " + fp16.get("klMax"));
        assertEquals(0.0, (double) sst2.get(1).get("klMax"), "fp32 is lossless");
        assertTrue(Files.readString(out.resolve("results.md")).contains("| sst2 | fp16 |"));
    }
}
