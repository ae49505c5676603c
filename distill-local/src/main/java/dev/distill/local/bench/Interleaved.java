package dev.distill.local.bench;

import dev.distill.local.bench.ServiceComparison.Repetition;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Sides of a comparison measured in turn within every repetition, so that a slow spell of the machine falls on all of
 * them, and reduced per task to medians, spread and ratios to the task's first side ({@link Spread}). Every other
 * repetition runs the sides in reverse order, so that no side always follows the same one (and finds, say, its
 * garbage still to be collected); each pass starts after a full collection of this JVM's heap, where the bare loops
 * and the embedded Kafka broker run.
 */
final class Interleaved {
    private Interleaved() {
    }

    /** One way of doing a task; {@code pass} runs it once over the data. */
    record Side(String name, String task, Supplier<Repetition> pass) {
    }

    /**
     * @param warmUps unmeasured passes of every side first (JIT compilation, engine caches)
     * @return task -> side -> {@link Spread}
     */
    static Map<String, Object> measure(List<Side> sides, int warmUps, int repetitions, PrintStream out) {
        for (int pass = 0; pass < warmUps; pass++) {
            sides.forEach(side -> side.pass().get());
        }
        List<Side> reversed = new ArrayList<>(sides);
        Collections.reverse(reversed);
        Map<Side, List<Repetition>> measured = new LinkedHashMap<>();
        for (int rep = 0; rep < repetitions; rep++) {
            for (Side side : rep % 2 == 0 ? sides : reversed) {
                System.gc();
                Repetition result = side.pass().get();
                measured.computeIfAbsent(side, key -> new ArrayList<>()).add(result);
                out.printf("      repetition %d, %s, %s: %.1f examples/s (%.1f ms per batch)%n", rep + 1,
                        side.task(), side.name(), result.examplesPerSecond(), result.meanModelMillis());
            }
        }
        Map<String, Map<String, Object>> byTask = new LinkedHashMap<>();
        for (Map.Entry<Side, List<Repetition>> entry : measured.entrySet()) {
            Side side = entry.getKey();
            List<Repetition> baseline = measured.entrySet().stream()
                    .filter(other -> other.getKey().task().equals(side.task())).findFirst().orElseThrow().getValue();
            byTask.computeIfAbsent(side.task(), key -> new LinkedHashMap<>())
                    .put(side.name(), Spread.of(entry.getValue(), baseline));
        }
        return new LinkedHashMap<>(byTask);
    }
}
