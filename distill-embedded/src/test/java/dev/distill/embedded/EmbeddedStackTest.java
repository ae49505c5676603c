package dev.distill.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStackTest {
    @TempDir
    Path directory;

    @Test
    void brokerAndDatabaseServeRealClients() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(directory, List.of("probe"), 2)) {
            String servers = stack.kafka().bootstrapServers();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of("bootstrap.servers", servers), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("probe", "k", "hello")).get();
            }
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", servers, "group.id", "probe", "auto.offset.reset", "earliest"),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("probe"));
                ConsumerRecords<String, String> records = ConsumerRecords.empty();
                for (int i = 0; i < 30 && records.isEmpty(); i++) {
                    records = consumer.poll(Duration.ofSeconds(1));
                }
                assertEquals("hello", records.iterator().next().value());
            }

            try (Connection connection = DriverManager.getConnection(stack.database().jdbcUrl(),
                    EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
                    Statement statement = connection.createStatement()) {
                statement.execute("create table probe (id int primary key, text varchar(20))");
                statement.execute("insert into probe values (1, 'stored')");
                try (ResultSet rows = statement.executeQuery("select text from probe where id = 1")) {
                    rows.next();
                    assertEquals("stored", rows.getString(1));
                }
            }
        }
    }

    @Test
    void brokerAndDatabaseComeBackAtTheSameAddressWithTheirData() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(directory, List.of("durable"), 1)) {
            String servers = stack.kafka().bootstrapServers();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of("bootstrap.servers", servers), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("durable", "k", "before")).get();
                stack.kafka().restartBroker();
                producer.send(new ProducerRecord<>("durable", "k", "after")).get();
            }
            assertEquals(servers, stack.kafka().bootstrapServers());
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", servers, "group.id", "durable", "auto.offset.reset", "earliest"),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("durable"));
                List<String> values = new java.util.ArrayList<>();
                for (int i = 0; i < 30 && values.size() < 2; i++) {
                    consumer.poll(Duration.ofSeconds(1)).forEach(record -> values.add(record.value()));
                }
                assertEquals(List.of("before", "after"), values);
            }

            String url = stack.database().jdbcUrl();
            try (Connection connection = DriverManager.getConnection(url, EmbeddedDatabase.USER,
                    EmbeddedDatabase.PASSWORD); Statement statement = connection.createStatement()) {
                statement.execute("create table kept (id int primary key)");
                statement.execute("insert into kept values (7)");
            }
            stack.database().restart();
            assertEquals(url, stack.database().jdbcUrl());
            try (Connection connection = DriverManager.getConnection(url, EmbeddedDatabase.USER,
                    EmbeddedDatabase.PASSWORD); Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("select id from kept")) {
                rows.next();
                assertEquals(7, rows.getInt(1));
            }
        }
    }
}
