package dev.distill.eval.service;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Freshness of the newest promotions that served, with the median, 95th percentile (nearest rank) and maximum of the
 * total and of each part.
 *
 * @param promotions newest first
 * @param total      over the promotions' totals; null when there are none
 * @param parts      the same per part, in stream order
 */
public record FreshnessReport(List<Freshness> promotions, Quantiles total, Map<String, Quantiles> parts) {

    public record Quantiles(double p50, double p95, double max) {
        static Quantiles of(double[] values) {
            if (values.length == 0) {
                return null;
            }
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            return new Quantiles(rank(sorted, 0.50), rank(sorted, 0.95), sorted[sorted.length - 1]);
        }

        private static double rank(double[] sorted, double quantile) {
            return sorted[Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1)];
        }
    }

    static FreshnessReport of(List<Freshness> promotions) {
        Map<String, Quantiles> parts = new LinkedHashMap<>();
        for (String part : Freshness.PARTS) {
            parts.put(part, Quantiles.of(promotions.stream().mapToDouble(f -> f.partSeconds(part)).toArray()));
        }
        return new FreshnessReport(promotions,
                Quantiles.of(promotions.stream().mapToDouble(Freshness::totalSeconds).toArray()), parts);
    }
}
