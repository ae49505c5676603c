package dev.distill.embedded;

import java.io.IOException;
import java.net.ServerSocket;
import kafka.server.BrokerServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A real single-node KRaft Kafka (broker and controller combined) running inside this JVM. */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /**
     * Formats storage under {@code directory} and starts the node; returns once the broker accepts clients. The
     * broker listens on a fixed free port, so that clients find it again after {@link #restartBroker}.
     */
    public static EmbeddedKafka start(Path directory) {
        try {
            int port = freePort();
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(directory)
                    .setPerServerProperties(Map.of(0, Map.of(
                            "listeners", "EXTERNAL://localhost:" + port + ",CONTROLLER://localhost:0")))
                    .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("embedded Kafka failed to start in " + directory + ": " + e.getMessage(),
                    e);
        }
    }

    /** Stops the broker and starts it again on the same port with the same logs, the way a broker restart looks. */
    public void restartBroker() {
        try {
            for (BrokerServer broker : cluster.brokers().values()) {
                broker.shutdown();
                broker.awaitShutdown();
            }
            for (BrokerServer broker : cluster.brokers().values()) {
                broker.startup();
            }
            cluster.waitForReadyBrokers();
        } catch (ExecutionException e) {
            throw new IllegalStateException("embedded Kafka broker did not come back: " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting the broker", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Creates the topics that do not exist yet, each with {@code partitions} partitions. */
    public void createTopics(List<String> topics, int partitions) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try (Admin admin = Admin.create(properties)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = topics.stream()
                    .filter(topic -> !existing.contains(topic))
                    .map(topic -> new NewTopic(topic, partitions, (short) 1)
                            .configs(Map.of("max.message.bytes", "4194304")))
                    .collect(Collectors.toList());
            admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics " + topics + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("embedded Kafka did not stop cleanly: " + e.getMessage(), e);
        }
    }
}
