package dev.distill.local.bench;

import java.util.Map;

/** The soak's results as a Markdown table. */
final class SoakReport {
    private SoakReport() {
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> results) {
        StringBuilder table = new StringBuilder("# Soak\n\n| what | measured |\n|---|---|\n");
        row(table, "examples, rate", String.format("%,d at %s/s, sent in %s s; wall %s s", results.get("examples"),
                results.get("ratePerSecond"), results.get("sendingSeconds"), results.get("wallSeconds")));
        row(table, "faults survived", results.get("faults"));
        row(table, "labelled / trained", results.get("labelled") + " / " + results.get("trained"));
        row(table, "duplicates (labelled, trained)", results.get("labelledDuplicates") + ", "
                + results.get("trainedDuplicates"));
        row(table, "lost", results.get("lost"));
        row(table, "checkpoint directory, max seen", String.format("%,d bytes (bound %,d = %d x %,d); %s with "
                        + "weights at most", (Long) results.get("checkpointMaxBytes"),
                (Long) results.get("checkpointBoundBytes"), SoakSamples.RETAINED + SoakSamples.IN_FLIGHT,
                (Long) results.get("checkpointBytesEach"), results.get("checkpointsWithWeightsMax")));
        ((Map<String, Object>) results.get("residentMemory")).forEach((service, figures) ->
                row(table, "resident memory, " + service, figures));
        Map<String, Object> freshness = (Map<String, Object>) results.get("freshnessSummary");
        row(table, "freshness at promotion (s)", freshness);
        row(table, "serving student's example age (s), sampled", results.get("servingExampleAgeSeconds"));
        row(table, "storage", results.get("storage"));
        row(table, "database tables", results.get("database"));
        row(table, "rollback at the end", results.get("rollback"));
        row(table, "ERROR lines", results.get("errorLines"));
        return table.toString();
    }

    private static void row(StringBuilder table, String what, Object measured) {
        table.append("| ").append(what).append(" | ").append(String.valueOf(measured).replace("|", "\\|"))
                .append(" |\n");
    }
}
