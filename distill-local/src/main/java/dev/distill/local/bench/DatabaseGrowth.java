package dev.distill.local.bench;

import dev.distill.embedded.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Rows and bytes (tables with their indexes and TOAST) of the services' tables, to measure growth. */
final class DatabaseGrowth {
    private DatabaseGrowth() {
    }

    /** Per table: {@code rows} and {@code bytes}; empty if the database cannot be read. */
    static Map<String, Map<String, Long>> tables(EmbeddedDatabase database) {
        Map<String, Map<String, Long>> tables = new TreeMap<>();
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER,
                EmbeddedDatabase.PASSWORD);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select relname, n_live_tup, "
                        + "pg_total_relation_size(relid) from pg_stat_user_tables")) {
            while (rows.next()) {
                Map<String, Long> table = new LinkedHashMap<>();
                table.put("rows", rows.getLong(2));
                table.put("bytes", rows.getLong(3));
                tables.put(rows.getString(1), table);
            }
        } catch (SQLException e) {
            tables.put("(unreadable: " + e.getMessage() + ")", Map.of());
        }
        return tables;
    }
}
