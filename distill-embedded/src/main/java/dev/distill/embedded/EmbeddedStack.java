package dev.distill.embedded;

import java.nio.file.Path;
import java.util.List;

/** Kafka and PostgreSQL for the local run and the tests, started together and stopped in reverse order. */
public final class EmbeddedStack implements AutoCloseable {
    private final EmbeddedKafka kafka;
    private final EmbeddedDatabase database;

    private EmbeddedStack(EmbeddedKafka kafka, EmbeddedDatabase database) {
        this.kafka = kafka;
        this.database = database;
    }

    /**
     * @param directory  working directory for broker logs and database files
     * @param topics     topics to create
     * @param partitions partitions per topic
     */
    public static EmbeddedStack start(Path directory, List<String> topics, int partitions) {
        EmbeddedDatabase database = EmbeddedDatabase.start(directory.resolve("postgres"));
        try {
            EmbeddedKafka kafka = EmbeddedKafka.start(directory.resolve("kafka"));
            kafka.createTopics(topics, partitions);
            return new EmbeddedStack(kafka, database);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedDatabase database() {
        return database;
    }

    @Override
    public void close() {
        try {
            kafka.close();
        } finally {
            database.close();
        }
    }
}
