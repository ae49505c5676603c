package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.wire.Topics;
import dev.distill.local.testkit.ExternalTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The deploy files agree with the code (topics, metric names), and the offline validator ({@code deploy/test/run})
 * accepts them and rejects every deliberately broken copy.
 */
class DeployFilesTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();

    @Test
    void theClusterHasExactlyThePipelinesTopics() throws IOException {
        String topics = Files.readString(PROJECT.resolve("deploy/kafka-topics/kafka-topics.yaml"));
        assertEquals(new TreeSet<>(Topics.all()), matches(topics, "topicName: (\\S+)"));
        String compose = Files.readString(PROJECT.resolve("deploy/kafka-topics/create-topics.sh"));
        assertEquals(new TreeSet<>(Topics.all()), matches(compose, "(?m)^create (\\S+)"));
    }

    /** The deploy files create each topic as {@code bin/create-topics} does: same partitions, same configuration. */
    @Test
    void theDeployFilesCreateEveryTopicAsTheTopicsCommandDoes() throws IOException {
        String script = Files.readString(PROJECT.resolve("deploy/kafka-topics/create-topics.sh"));
        Set<String> expected = Topics.specs().stream().map(spec -> "create " + spec.name() + " " + spec.partitions()
                        + spec.configs().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(entry -> " --config " + entry.getKey() + "=" + entry.getValue())
                        .collect(Collectors.joining()))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> written = script.lines().filter(line -> line.startsWith("create "))
                .map(line -> {
                    String[] parts = line.split(" --config ");
                    return parts[0] + Arrays.stream(parts, 1, parts.length).sorted()
                            .map(config -> " --config " + config).collect(Collectors.joining());
                })
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, written);
    }

    @Test
    void theDashboardQueriesOnlyMetricsTheServicesExpose() throws IOException {
        Set<String> exposed = Set.of(
                MetricNames.prometheus(MetricNames.LABEL_EXAMPLES, "_total"),
                MetricNames.prometheus(MetricNames.LABEL_BATCH, "_seconds_bucket"),
                MetricNames.prometheus(MetricNames.LABEL_BATCH, "_seconds_count"),
                MetricNames.prometheus(MetricNames.LABEL_BATCH, "_seconds_sum"),
                MetricNames.prometheus(MetricNames.TRAIN_STEPS, "_total"),
                MetricNames.prometheus(MetricNames.TRAIN_EXAMPLES, "_total"),
                MetricNames.prometheus(MetricNames.TRAIN_UPDATES_SKIPPED, "_total"),
                MetricNames.prometheus(MetricNames.TRAIN_STEP, "_seconds_bucket"),
                MetricNames.prometheus(MetricNames.TRAIN_STEP, "_seconds_count"),
                MetricNames.prometheus(MetricNames.TRAIN_STEP, "_seconds_sum"),
                MetricNames.prometheus(MetricNames.TRAIN_LOSS, ""),
                MetricNames.prometheus(MetricNames.TRAIN_KL, ""),
                MetricNames.prometheus(MetricNames.EVAL_ACCURACY, ""),
                MetricNames.prometheus(MetricNames.EVAL_PROMOTED_ACCURACY, ""),
                MetricNames.prometheus(MetricNames.EVAL_AGREEMENT, ""),
                MetricNames.prometheus(MetricNames.EVAL_CHECKPOINTS, "_total"),
                MetricNames.prometheus(MetricNames.EVAL_FRESHNESS_SECONDS, ""),
                MetricNames.prometheus(MetricNames.EVAL_SERVING_EXAMPLE_AGE_SECONDS, ""),
                MetricNames.prometheus(MetricNames.CONSUMER_LAG, ""));
        Set<String> queried = matches(Files.readString(PROJECT.resolve("deploy/base/grafana-dashboard.json")),
                "\\b((?:distill|kafka)_[a-z_]+)");
        assertTrue(queried.size() >= 10, "dashboard queries " + queried);
        assertTrue(exposed.containsAll(queried), "not exposed: " + queried.stream()
                .filter(name -> !exposed.contains(name)).toList());
    }

    @Test
    void manifestsAndComposeFileValidateAndBrokenCopiesDoNot() throws IOException, InterruptedException {
        if (ExternalTools.find("node").isEmpty() || ExternalTools.find("npm").isEmpty()) {
            ExternalTools.missing("Node.js");
        }
        if (ExternalTools.find("docker-compose", "docker").isEmpty()) {
            ExternalTools.missing("docker-compose");
        }
        Process validation = new ProcessBuilder(PROJECT.resolve("deploy/test/run").toString())
                .redirectErrorStream(true).start();
        String output = new String(validation.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(validation.waitFor(10, TimeUnit.MINUTES), "deploy/test/run did not finish");
        System.out.println(output);
        assertEquals(0, validation.exitValue(), "deploy/test/run failed:\n" + output);
        // The self-test validates deliberately broken copies and fails unless the validator rejects each one.
        assertTrue(output.contains("self-test cases, 0 failed"), output);
    }

    private static Set<String> matches(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        return matcher.results().map(result -> result.group(1)).collect(Collectors.toCollection(TreeSet::new));
    }
}
