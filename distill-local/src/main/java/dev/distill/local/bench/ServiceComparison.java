package dev.distill.local.bench;

import dev.distill.core.telemetry.MetricNames;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A service measured against the bare engine loop it wraps: repetitions of both, back to back, reduced to medians
 * and the median of the per-repetition ratios.
 */
final class ServiceComparison {
    private ServiceComparison() {
    }

    /**
     * One measured pass over the data.
     *
     * @param meanModelMillis mean time of one model call (teacher batch, training step), tokenization included: the
     *                        engine's share, which tells service overhead apart from slower engine calls
     */
    record Repetition(double examplesPerSecond, double meanModelMillis) {
    }

    /** Model-call time so far, from a service's timer on {@code /q/metrics}. */
    record ModelTime(double seconds, double calls) {
        static ModelTime read(ServiceProcess service, String timer) {
            Map<String, List<Double>> metrics = ServiceHttp.metrics(service.url());
            if (!metrics.containsKey(MetricNames.prometheus(timer, "_seconds_count"))) {
                return new ModelTime(0, 0); // registered with the first call
            }
            return new ModelTime(ServiceHttp.sum(metrics, MetricNames.prometheus(timer, "_seconds_sum")),
                    ServiceHttp.sum(metrics, MetricNames.prometheus(timer, "_seconds_count")));
        }

        double meanMillisSince(ModelTime before) {
            return 1e3 * (seconds - before.seconds) / Math.max(1, calls - before.calls);
        }
    }

    static void printRepetition(PrintStream out, int rep, Repetition bare, Repetition service, String call) {
        out.printf("      repetition %d: bare %.1f examples/s, service %.1f examples/s (mean %s %.1f ms bare, "
                + "%.1f ms in the service)%n", rep + 1, bare.examplesPerSecond(), service.examplesPerSecond(), call,
                bare.meanModelMillis(), service.meanModelMillis());
    }

    /** Medians of both sides and the median of the per-repetition ratios. */
    static Map<String, Object> comparison(List<Repetition> bare, List<Repetition> service) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < bare.size(); i++) {
            ratios.add(service.get(i).examplesPerSecond() / bare.get(i).examplesPerSecond());
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("bareExamplesPerSecond", median(bare.stream().map(Repetition::examplesPerSecond).toList()));
        row.put("serviceExamplesPerSecond", median(service.stream().map(Repetition::examplesPerSecond).toList()));
        row.put("ratio", median(ratios));
        row.put("ratios", ratios);
        row.put("bareModelMillis", median(bare.stream().map(Repetition::meanModelMillis).toList()));
        row.put("serviceModelMillis", median(service.stream().map(Repetition::meanModelMillis).toList()));
        return row;
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
