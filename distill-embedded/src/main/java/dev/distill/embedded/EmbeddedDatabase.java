package dev.distill.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;

/** A real PostgreSQL server started from binaries shipped in a jar: no install, no Docker. */
public final class EmbeddedDatabase implements AutoCloseable {
    /** Database, user and (unused, trust authentication) password of the embedded server. */
    public static final String DATABASE = "postgres";
    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts a fresh server whose data lives under {@code directory}. */
    public static EmbeddedDatabase start(Path directory) {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(directory.resolve("work").toFile())
                    .setDataDirectory(directory.resolve("data"))
                    .setCleanDataDirectory(true)
                    .start();
            return new EmbeddedDatabase(postgres);
        } catch (IOException e) {
            throw new IllegalStateException("embedded PostgreSQL failed to start in " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    /** URL form the Vert.x reactive PostgreSQL client (Quarkus {@code quarkus.datasource.reactive.url}) takes. */
    public String reactiveUrl() {
        return "postgresql://localhost:" + port() + "/" + DATABASE;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new IllegalStateException("embedded PostgreSQL did not stop cleanly: " + e.getMessage(), e);
        }
    }
}
