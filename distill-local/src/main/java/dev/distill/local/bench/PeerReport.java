package dev.distill.local.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The peer benchmark's results as Markdown tables. */
final class PeerReport {
    private PeerReport() {
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> results) {
        StringBuilder table = new StringBuilder();
        table.append(String.format("Settings: %s%n%n", results.get("settings")));
        List<Map<String, Object>> comparisons = new ArrayList<>();
        comparisons.addAll((List<Map<String, Object>>) results.getOrDefault("engines", List.of()));
        for (String part : List.of("services", "streaming")) {
            if (results.containsKey(part)) {
                comparisons.add((Map<String, Object>) results.get(part));
            }
        }
        if (!comparisons.isEmpty()) {
            table.append("| models | task | side | examples/s (median) | min - max | vs the task's first side (median) "
                    + "| min - max | ms per batch |\n|---|---|---|---|---|---|---|---|\n");
        }
        for (Map<String, Object> comparison : comparisons) {
            for (Map.Entry<String, Object> task : ((Map<String, Object>) comparison.get("tasks")).entrySet()) {
                for (Map.Entry<String, Object> side : ((Map<String, Object>) task.getValue()).entrySet()) {
                    Map<String, Object> row = (Map<String, Object>) side.getValue();
                    table.append(String.format("| %s | %s | %s | %.1f | %.1f - %.1f | %.2fx | %.2f - %.2f | %.1f |%n",
                            comparison.get("models"), task.getKey(), side.getKey(), row.get("examplesPerSecond"),
                            row.get("min"), row.get("max"), row.get("ratio"), row.get("ratioMin"),
                            row.get("ratioMax"), row.get("meanBatchMillis")));
                }
            }
        }
        Map<String, Object> services = (Map<String, Object>) results.get("services");
        if (services != null) {
            table.append(String.format("%nService / its bare loop, per repetition: %s%n",
                    serviceRatios((Map<String, Object>) services.get("tasks"))));
        }
        Map<String, Object> memory = (Map<String, Object>) results.get("memory");
        if (memory != null) {
            table.append(String.format("%nMemory, %s:%n%n", memory.get("models")));
            table.append(PerformanceReport.memoryTable((Map<String, Object>) memory.get("services")));
        }
        return table.toString();
    }

    /** For each task of the services part, the service's examples/s over its bare loop's: median, min - max. */
    @SuppressWarnings("unchecked")
    static String serviceRatios(Map<String, Object> tasks) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Object> task : tasks.entrySet()) {
            Map<String, Object> sides = (Map<String, Object>) task.getValue();
            List<String> names = List.copyOf(sides.keySet());
            List<Double> service = (List<Double>) ((Map<String, Object>) sides.get(names.get(names.size() - 1)))
                    .get("repetitions");
            List<Double> bare = (List<Double>) ((Map<String, Object>) sides.get(names.get(names.size() - 2)))
                    .get("repetitions");
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < service.size(); i++) {
                ratios.add(service.get(i) / bare.get(i));
            }
            parts.add(String.format("%s %.1f%% (%.1f%% - %.1f%%)", names.get(names.size() - 1),
                    100 * ServiceComparison.median(ratios), 100 * ratios.stream().mapToDouble(r -> r).min()
                    .orElseThrow(), 100 * ratios.stream().mapToDouble(r -> r).max().orElseThrow()));
        }
        return String.join("; ", parts);
    }
}
