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
 * The engines part of the peer benchmark on tiny models, with an interpreter that has no PyTorch: the PyTorch rows
 * are skipped with a message saying how to get them, the DJL rows are measured, and the results files are written.
 */
class PeerBenchmarkTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();

    @Test
    @SuppressWarnings("unchecked")
    void withoutPytorchTheEngineRowsAreMeasuredAndThePytorchRowsSkipped() throws Exception {
        Path out = PROJECT.resolve("distill-local/target/bench-peers-test");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Map<String, Object> results = new PeerBenchmark(BenchmarkOptions.of(Map.of("parts", "engines",
                "python", "no-such-python", "examples", "96", "repetitions", "1", "teacher-size", "32,1,2",
                "student-size", "32,1,2", "small-teacher-size", "32,1,2", "small-student-size", "32,1,2",
                "out", out.toString()), PROJECT), new PrintStream(printed, true, StandardCharsets.UTF_8)).run();

        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("PyTorch rows skipped: no-such-python does "
                + "not import PyTorch 2"), printed.toString(StandardCharsets.UTF_8));
        assertEquals("not available", ((Map<String, Object>) results.get("settings")).get("pytorch"));
        List<Map<String, Object>> engines = (List<Map<String, Object>>) results.get("engines");
        assertEquals(2, engines.size());
        Map<String, Object> tasks = (Map<String, Object>) engines.get(0).get("tasks");
        Map<String, Object> inference = (Map<String, Object>) tasks.get("teacher inference");
        assertEquals(List.of("DJL on PyTorch", "DJL on ONNX Runtime"), List.copyOf(inference.keySet()));
        Map<String, Object> training = (Map<String, Object>) tasks.get("student training");
        Map<String, Object> djl = (Map<String, Object>) training.get("DJL on PyTorch");
        assertTrue((double) djl.get("examplesPerSecond") > 0, "training throughput " + djl);
        assertEquals(1.0, (double) djl.get("ratio"), "the task's first side is its own baseline");
        assertTrue(Files.readString(out.resolve("results.md")).contains("| teacher inference | DJL on ONNX Runtime |"));
    }
}
