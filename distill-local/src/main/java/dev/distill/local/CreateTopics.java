package dev.distill.local;

import dev.distill.core.wire.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/create-topics}: creates every topic of the pipeline on a Kafka cluster, with the partitions and
 * configuration of {@link Topics#specs} (the soft-label log for 30 days or 25 GiB a partition, dead letters for 14
 * days). Topics that exist are left as they are.
 */
@Command(name = "bin/create-topics", sortOptions = false,
        description = "Creates every topic of the pipeline on a Kafka cluster; existing topics are left as they are.")
public final class CreateTopics implements Callable<Integer> {
    @Mixin
    CommandLineTool.Help help;

    @Parameters(index = "0", paramLabel = "BOOTSTRAP_SERVERS", description = "the cluster, e.g. broker:9092")
    String bootstrapServers;

    @Parameters(index = "1", arity = "0..1", paramLabel = "REPLICATION_FACTOR", defaultValue = "1",
            description = "replicas per partition; default 1 (use 3 on a production cluster)")
    short replication;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*) for the connection")
    Path commandConfig;

    public static void main(String[] args) {
        CommandLineTool.run(new CreateTopics(), args);
    }

    @Override
    public Integer call() {
        if (replication < 1) {
            throw new IllegalArgumentException("REPLICATION_FACTOR must be at least 1, got " + replication);
        }
        Properties client = new Properties();
        if (commandConfig != null) {
            try (Reader reader = Files.newBufferedReader(commandConfig)) {
                client.load(reader);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + commandConfig + ": " + e.getMessage(), e);
            }
        }
        client.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        create(client, replication);
        return 0;
    }

    private static void create(Properties client, short replication) {
        client.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(client)) {
            Set<String> existing = admin.listTopics().names().get();
            for (Topics.Spec spec : Topics.specs()) {
                if (existing.contains(spec.name())) {
                    System.out.printf("%-26s exists, left as it is%n", spec.name());
                    continue;
                }
                admin.createTopics(Set.of(new NewTopic(spec.name(), spec.partitions(), replication)
                        .configs(spec.configs()))).all().get();
                System.out.printf("%-26s created: %d partitions, replication %d%s%n", spec.name(), spec.partitions(),
                        replication, spec.configs().isEmpty() ? "" : ", " + spec.configs());
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create the topics on " + client.getProperty(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }
}
