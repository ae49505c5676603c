package dev.distill.local;

import dev.distill.core.wire.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * {@code bin/create-topics}: creates every topic of the pipeline on a Kafka cluster, with the partitions and
 * configuration of {@link Topics#specs} (the soft-label log kept forever, dead letters for 14 days). Topics that exist
 * are left as they are.
 */
public final class CreateTopics {
    private static final String USAGE = """
            usage: bin/create-topics BOOTSTRAP_SERVERS [REPLICATION_FACTOR] [--command-config FILE]
              BOOTSTRAP_SERVERS      the cluster, e.g. broker:9092
              REPLICATION_FACTOR     replicas per partition; default 1 (use 3 on a production cluster)
              --command-config FILE  Kafka client properties (security.protocol, sasl.*, ssl.*) for the connection
            """;

    private CreateTopics() {
    }

    /** The parsed command line: client properties (bootstrap servers included) and the replication factor. */
    private record Arguments(Properties client, short replication) {
    }

    public static void main(String[] args) {
        try {
            Arguments arguments = parse(args);
            create(arguments.client(), arguments.replication());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    private static Arguments parse(String[] args) {
        Properties client = new Properties();
        Short replication = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--command-config")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--command-config needs a file");
                }
                Path file = Path.of(args[++i]);
                try (Reader reader = Files.newBufferedReader(file)) {
                    client.load(reader);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
                }
            } else if (!client.containsKey(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                client.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[i]);
            } else if (replication == null && args[i].matches("[1-9][0-9]?")) {
                replication = Short.parseShort(args[i]);
            } else {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
        }
        if (!client.containsKey(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("BOOTSTRAP_SERVERS is missing");
        }
        return new Arguments(client, replication == null ? 1 : replication);
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
