package dev.distill.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the soak samples every few seconds (checkpoint directory, services' resident memory, the serving student's
 * example age) and what it reads once at the end (storage growth, ERROR lines), summarised for its results.
 */
final class SoakSamples {
    /** Checkpoints with weights that retention keeps at its defaults: 3 standing promotions, best 3, newest 2. */
    static final int RETAINED = 3 + 3 + 2;
    /** Checkpoints written but not yet scored and decided that the bound allows for (eval-service restarts). */
    static final int IN_FLIGHT = 4;
    /** Memory is compared from this long after a service (re)started: class loading and first batches are done. */
    private static final double WARM_UP_SECONDS = 120;

    private record Sample(double seconds, long checkpointBytes, int withWeights, long largestCheckpoint,
            Map<String, Long> resident, Map<String, Integer> incarnation, double servingAge) {
    }

    private final Path checkpoints;
    private final Path logs;
    private final Path stack;
    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, Long> storageAtStart;

    SoakSamples(Path checkpoints, Path logs, Path stack) {
        this.checkpoints = checkpoints;
        this.logs = logs;
        this.stack = stack;
        this.storageAtStart = storage();
    }

    synchronized void sample(Map<String, ServiceProcess> services, long startedNanos) {
        Map<String, Long> resident = new TreeMap<>();
        Map<String, Integer> incarnation = new TreeMap<>();
        services.forEach((role, service) -> {
            resident.put(role, service.residentBytes());
            incarnation.put(role, System.identityHashCode(service));
        });
        long bytes = 0;
        int withWeights = 0;
        long largest = 0;
        for (Path checkpoint : children(checkpoints)) {
            long size = bytes(checkpoint);
            bytes += size;
            if (Files.exists(checkpoint.resolve(Checkpoints.PARAMETERS))) {
                withWeights++;
                largest = Math.max(largest, size);
            }
        }
        double servingAge = Double.NaN;
        try {
            servingAge = ServiceHttp.sum(ServiceHttp.metrics(services.get("eval").url()),
                    "distill_eval_serving_example_age_seconds");
        } catch (RuntimeException e) {
            // eval-service is restarting
        }
        samples.add(new Sample((System.nanoTime() - startedNanos) / 1e9, bytes, withWeights, largest, resident,
                incarnation, servingAge));
    }

    /** Waits until eval-service has scored and decided the checkpoint. */
    void awaitDecided(String evalUrl, String checkpointId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode row : ServiceHttp.getJson(evalUrl + "/leaderboard")) {
                if (row.path("checkpointId").asText().equals(checkpointId) && !row.path("decidedAt").isNull()
                        && !row.path("decidedAt").isMissingNode()) {
                    return;
                }
            }
            ServiceProcess.sleep(1000);
        }
        throw new IllegalStateException("checkpoint " + checkpointId + " was not decided within " + timeout);
    }

    synchronized Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        long largest = samples.stream().mapToLong(Sample::largestCheckpoint).max().orElse(0);
        summary.put("checkpointBytesEach", largest);
        summary.put("checkpointBoundBytes", (RETAINED + IN_FLIGHT) * largest);
        summary.put("checkpointMaxBytes", samples.stream().mapToLong(Sample::checkpointBytes).max().orElse(0));
        summary.put("checkpointsWithWeightsMax", samples.stream().mapToInt(Sample::withWeights).max().orElse(0));
        summary.put("checkpointDirectories", children(checkpoints).size());
        summary.put("residentMemory", memory());
        double[] ages = samples.stream().mapToDouble(Sample::servingAge).filter(Double::isFinite).sorted()
                .toArray();
        summary.put("servingExampleAgeSeconds", ages.length == 0 ? null : Map.of("p50", rank(ages, 0.5),
                "p95", rank(ages, 0.95), "max", ages[ages.length - 1], "samples", ages.length));
        Map<String, Object> storage = new LinkedHashMap<>();
        storage.put("atStart", storageAtStart);
        storage.put("atEnd", storage());
        storage.put("logsBytes", bytes(logs));
        // the segments' records, not the index files Kafka sizes in advance
        storage.put("softLabelLogBytes", children(stack).stream().flatMap(dir -> find(dir, "distill.soft-labels-"))
                .flatMap(partition -> find(partition, "0")).filter(file -> file.toString().endsWith(".log"))
                .mapToLong(SoakSamples::bytes).sum());
        summary.put("storage", storage);
        return summary;
    }

    /**
     * Per service, its longest-lived process: resident memory after warm-up (median of the minute after
     * {@link #WARM_UP_SECONDS}) and at the end of its life (median of its last six samples).
     */
    private Map<String, Object> memory() {
        Map<String, Object> memory = new TreeMap<>();
        for (String role : samples.get(0).resident().keySet()) {
            Map<Integer, List<Sample>> lives = new LinkedHashMap<>();
            // a sample taken while the process was down (killed, not yet restarted) reads no memory
            samples.stream().filter(sample -> sample.resident().get(role) > 0).forEach(sample -> lives
                    .computeIfAbsent(sample.incarnation().get(role), key -> new ArrayList<>()).add(sample));
            List<Sample> longest = lives.values().stream().max((a, b) -> Double.compare(span(a), span(b)))
                    .orElseThrow();
            double born = longest.get(0).seconds();
            double[] warm = longest.stream().filter(s -> s.seconds() - born >= WARM_UP_SECONDS
                    && s.seconds() - born < WARM_UP_SECONDS + 60).mapToDouble(s -> s.resident().get(role)).toArray();
            double[] late = longest.subList(Math.max(0, longest.size() - 6), longest.size()).stream()
                    .mapToDouble(s -> s.resident().get(role)).toArray();
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("processes", lives.size());
            figures.put("longestLifeSeconds", Math.round(span(longest)));
            if (warm.length > 0) {
                double warmMb = median(warm) / 1e6;
                double lateMb = median(late) / 1e6;
                figures.put("afterWarmUpMb", Math.round(warmMb));
                figures.put("atEndMb", Math.round(lateMb));
                figures.put("growthPercent", Math.round(1000 * (lateMb / warmMb - 1)) / 10.0);
            }
            memory.put(role, figures);
        }
        return memory;
    }

    /** ERROR lines in the services' logs, per service, with the first few of them. */
    Map<String, Object> errorLines() {
        Map<String, Object> errors = new TreeMap<>();
        for (Path service : children(logs)) {
            List<String> lines = new ArrayList<>();
            for (Path file : children(service)) {
                try (Stream<String> content = Files.lines(file)) {
                    content.filter(line -> line.contains(" ERROR ")).forEach(lines::add);
                } catch (IOException | UncheckedIOException e) {
                    lines.add("(unreadable " + file + ": " + e.getMessage() + ")");
                }
            }
            errors.put(service.getFileName().toString(), Map.of("count", lines.size(),
                    "first", lines.subList(0, Math.min(5, lines.size()))));
        }
        return errors;
    }

    private Map<String, Long> storage() {
        Map<String, Long> sizes = new TreeMap<>();
        children(stack).forEach(dir -> sizes.put(dir.getFileName().toString(), bytes(dir)));
        return sizes;
    }

    private static double span(List<Sample> life) {
        return life.get(life.size() - 1).seconds() - life.get(0).seconds();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return rank(sorted, 0.5);
    }

    private static double rank(double[] sorted, double quantile) {
        return sorted[Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1)];
    }

    private static Stream<Path> find(Path root, String prefix) {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(path -> path.getFileName().toString().startsWith(prefix)).toList().stream();
        } catch (IOException | UncheckedIOException e) {
            return Stream.empty();
        }
    }

    private static List<Path> children(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    /** Bytes under {@code path}; files that vanish while counted (retention, rotation) count as gone. */
    static long bytes(Path path) {
        long[] total = {0};
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    total[0] += attributes.isRegularFile() ? attributes.size() : 0;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            return total[0];
        }
        return total[0];
    }
}
