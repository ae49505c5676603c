package dev.distill.local.bench;

import dev.distill.local.bench.ServiceComparison.Repetition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Repetitions of one side reduced to median, minimum and maximum, and its ratios to a baseline side's. */
final class Spread {
    private Spread() {
    }

    /**
     * @param baseline the same number of repetitions of the side this one is compared with, interleaved with it
     */
    static Map<String, Object> of(List<Repetition> side, List<Repetition> baseline) {
        List<Double> throughput = side.stream().map(Repetition::examplesPerSecond).toList();
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < side.size(); i++) {
            ratios.add(side.get(i).examplesPerSecond() / baseline.get(i).examplesPerSecond());
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("examplesPerSecond", ServiceComparison.median(throughput));
        row.put("min", throughput.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
        row.put("max", throughput.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        row.put("meanBatchMillis", ServiceComparison.median(side.stream().map(Repetition::meanModelMillis).toList()));
        row.put("ratio", ServiceComparison.median(ratios));
        row.put("ratioMin", ratios.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
        row.put("ratioMax", ratios.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        row.put("repetitions", throughput);
        return row;
    }
}
