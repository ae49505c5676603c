package dev.distill.local.bench;

import java.util.List;
import java.util.Map;

/** The performance benchmark's results as Markdown tables. */
final class PerformanceReport {
    private PerformanceReport() {
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> results) {
        StringBuilder table = new StringBuilder();
        Map<String, Object> settings = (Map<String, Object>) results.get("settings");
        table.append(String.format("Settings: %s%n%n", settings));
        table.append("| throughput (examples/s) | bare DJL loop | through the service | service / bare "
                + "| mean model call, bare (ms) | in the service (ms) |\n|---|---|---|---|---|---|\n");
        for (String part : List.of("labelling", "training")) {
            Map<String, Object> row = (Map<String, Object>) results.get(part);
            if (row == null) {
                continue;
            }
            table.append(String.format("| %s | %.1f | %.1f | %.1f%% | %.1f | %.1f |%n", part,
                    row.get("bareExamplesPerSecond"), row.get("serviceExamplesPerSecond"),
                    100 * (double) row.get("ratio"), row.get("bareModelMillis"), row.get("serviceModelMillis")));
        }
        table.append("\n| label space | encoding | bytes per soft label | share of JSON | bytes per example "
                + "record | mean KL (T = 2) | max KL |\n|---|---|---|---|---|---|---|\n");
        Map<String, Object> encodings = (Map<String, Object>) results.getOrDefault("encodings", Map.of());
        for (Map.Entry<String, Object> space : encodings.entrySet()) {
            for (Map<String, Object> row : (List<Map<String, Object>>) space.getValue()) {
                table.append(String.format("| %s | %s | %.1f | %.1f%% | %.1f | %.2e | %.2e |%n", space.getKey(),
                        row.get("encoding"), row.get("bytesPerSoftLabel"), 100 * (double) row.get("shareOfJson"),
                        row.get("bytesPerExampleRecord"), row.get("klMean"), row.get("klMax")));
            }
        }
        table.append("\n| label workers | examples/s | labelled | duplicates |\n|---|---|---|---|\n");
        for (Map<String, Object> row : (List<Map<String, Object>>) results.getOrDefault("scaling", List.of())) {
            table.append(String.format("| %d | %.1f | %d | %d |%n", row.get("workers"), row.get("examplesPerSecond"),
                    row.get("labelled"), row.get("duplicates")));
        }
        Map<String, Object> memory = (Map<String, Object>) results.get("memory");
        if (memory == null) {
            return table.toString();
        }
        table.append(String.format("%n"));
        table.append(memoryTable(memory));
        return table.toString();
    }

    /**
     * Resident memory per service after the warm-up, by the peak of each tenth of the stream: the first, the highest,
     * growth, the lowest sample; in all and outside the JVM.
     */
    @SuppressWarnings("unchecked")
    static String memoryTable(Map<String, Object> memory) {
        StringBuilder table = new StringBuilder(String.format("Resident memory after %,d examples, by the peak of "
                + "each tenth of the rest of the stream; native: outside the JVM's committed memory%n%n"
                + "| service | MB, first tenth | highest tenth | last tenth | growth | lowest sample | native MB, "
                + "first tenth | highest tenth | growth |%n|---|---|---|---|---|---|---|---|---|%n",
                (long) memory.get("warmUpExamples")));
        for (String service : List.of("label-service", "train-service", "eval-service")) {
            Map<String, Object> row = (Map<String, Object>) memory.get(service);
            table.append(String.format("| %s | %d | %d | %d | %.1f%% | %d | %d | %d | %.1f%% |%n", service,
                    row.get("firstPeakMb"), row.get("highestPeakMb"), row.get("lastPeakMb"),
                    100 * (double) row.get("growth"), row.get("lowestMb"), row.get("nativeFirstPeakMb"),
                    row.get("nativeHighestPeakMb"), 100 * (double) row.get("nativeGrowth")));
        }
        return table.toString();
    }
}
