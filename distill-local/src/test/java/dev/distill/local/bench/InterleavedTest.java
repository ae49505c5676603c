package dev.distill.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.local.bench.Interleaved.Side;
import dev.distill.local.bench.ServiceComparison.Repetition;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterleavedTest {
    @Test
    @SuppressWarnings("unchecked")
    void everyOtherRepetitionRunsTheSidesInReverseAndRatiosStayToTheFirstSide() {
        List<String> ran = new ArrayList<>();
        List<Side> sides = List.of(side("a", 100, ran), side("b", 50, ran), side("c", 200, ran));

        Map<String, Object> tasks = Interleaved.measure(sides, 1, 3, new PrintStream(OutputStream.nullOutputStream()));

        assertEquals(List.of("a", "b", "c", "a", "b", "c", "c", "b", "a", "a", "b", "c"), ran,
                "one warm-up pass, then repetitions in order, reversed, in order");
        Map<String, Map<String, Object>> task = (Map<String, Map<String, Object>>) tasks.get("task");
        assertEquals(List.of("a", "b", "c"), List.copyOf(task.keySet()), "rows keep the sides' order");
        assertEquals(1.0, task.get("a").get("ratio"));
        assertEquals(0.5, task.get("b").get("ratio"));
        assertEquals(2.0, task.get("c").get("ratio"));
    }

    private static Side side(String name, double examplesPerSecond, List<String> ran) {
        return new Side(name, "task", () -> {
            ran.add(name);
            return new Repetition(examplesPerSecond, 1);
        });
    }
}
