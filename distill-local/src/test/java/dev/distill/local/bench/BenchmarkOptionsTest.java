package dev.distill.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A benchmark reads its command line as every tool does (picocli, the options its usage lists): {@code --help} and
 * bad options run nothing, and the options given reach the benchmark.
 */
class BenchmarkOptionsTest {
    private static final Map<String, String> USAGES = Map.of("bench/peers", PeerBenchmark.USAGE,
            "bench/performance", PerformanceBenchmark.USAGE, "bench/predict", PredictBenchmark.USAGE,
            "bench/quality", QualityBenchmark.USAGE);

    @Test
    void helpAndUnknownOptionsRunNothingAndGivenOptionsReachTheBenchmark() {
        USAGES.forEach((name, usage) -> {
            List<BenchmarkOptions> runs = new ArrayList<>();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

            assertEquals(0, BenchmarkOptions.execute(new String[] {"--help"}, usage, runs::add, outStream,
                    errStream));
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: " + name), name + ": " + out);
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("--out=DIR"), name + ": " + out);
            assertEquals(2, BenchmarkOptions.execute(new String[] {"--sed"}, usage, runs::add, outStream,
                    errStream));
            assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: Unknown option: '--sed'"),
                    name + ": " + err);
            assertEquals(List.of(), runs, name + ": nothing ran");

            assertEquals(0, BenchmarkOptions.execute(new String[] {"--out", "somewhere"}, usage, runs::add,
                    outStream, errStream));
            assertEquals(1, runs.size(), name);
            assertEquals(Map.of("out", "somewhere"), runs.get(0).values(), name);
        });
    }
}
