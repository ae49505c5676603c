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
        table.append("| models | task | side | examples/s (median) | min - max | vs the task's first side (median) "
                + "| min - max | ms per batch |\n|---|---|---|---|---|---|---|---|\n");
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
        Map<String, Object> memory = (Map<String, Object>) results.get("memory");
        if (memory != null) {
            table.append(String.format("%nMemory, %s:%n%n", memory.get("models")));
            table.append(PerformanceReport.memoryTable((Map<String, Object>) memory.get("services")));
        }
        return table.toString();
    }
}
