package dev.distill.testkit;

import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedDatabase;
import dev.distill.embedded.EmbeddedStack;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * A real KRaft broker with every topic of the pipeline and a real PostgreSQL, started in the test JVM for a
 * {@code @QuarkusTest}, which gets their addresses and the {@link #API_KEY} as configuration. Init arg
 * {@code database=false} leaves the datasource settings out, for services without a database.
 */
public class EmbeddedStackResource implements QuarkusTestResourceLifecycleManager {
    /** The API key the services under test are started with. */
    public static final String API_KEY = "test-api-key";

    /** The broker and database log every step of their start at INFO; held here so the levels stick. */
    private static final List<Logger> QUIET_LOGGERS = Stream.of("kafka", "org.apache.kafka", "state.change.logger",
            "io.zonky").map(Logger::getLogger).toList();

    private static volatile EmbeddedStack running;

    private EmbeddedStack stack;
    private boolean database = true;

    /** Bootstrap servers of the broker the running test's service uses. */
    public static String bootstrapServers() {
        if (running == null) {
            throw new IllegalStateException("no embedded stack is running: annotate the test with "
                    + "@QuarkusTestResource(EmbeddedStackResource.class)");
        }
        return running.kafka().bootstrapServers();
    }

    /** The database of the running test's service, to stop and start again. */
    public static EmbeddedDatabase database() {
        if (running == null || running.database() == null) {
            throw new IllegalStateException("no embedded database is running: annotate the test with "
                    + "@QuarkusTestResource(EmbeddedStackResource.class)");
        }
        return running.database();
    }

    @Override
    public void init(Map<String, String> initArgs) {
        database = !"false".equals(initArgs.get("database"));
    }

    @Override
    public Map<String, String> start() {
        QUIET_LOGGERS.forEach(logger -> logger.setLevel(Level.WARNING));
        stack = EmbeddedStack.start(Path.of("target", "embedded-stack", UUID.randomUUID().toString()), Topics.all(), 1);
        running = stack;
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", stack.kafka().bootstrapServers());
        config.put("distill.api-key", API_KEY);
        // the services' Kafka clients log their whole configuration at INFO
        config.put("quarkus.log.category.\"org.apache.kafka\".level", "WARN");
        if (database) {
            config.put("quarkus.datasource.reactive.url", stack.database().reactiveUrl());
            config.put("quarkus.datasource.username", EmbeddedDatabase.USER);
            config.put("quarkus.datasource.password", EmbeddedDatabase.PASSWORD);
        }
        return config;
    }

    @Override
    public void stop() {
        running = null;
        if (stack != null) {
            stack.close();
        }
    }
}
