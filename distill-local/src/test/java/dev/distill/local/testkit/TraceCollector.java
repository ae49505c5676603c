package dev.distill.local.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in OpenTelemetry collector: accepts OTLP/HTTP trace exports and keeps their protobuf bodies, which tests
 * search for service names and trace ids (both appear verbatim in the encoding).
 */
public final class TraceCollector implements AutoCloseable {
    private final HttpServer server;
    private final List<byte[]> exports = new CopyOnWriteArrayList<>();

    public TraceCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                exports.add(body.readAllBytes());
            }
            // An empty ExportTraceServiceResponse: everything accepted.
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    public String endpoint() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** Whether some export from the service holds a span of the trace ({@code traceId} as 32 hex digits). */
    public boolean hasSpan(String service, String traceId) {
        byte[] id = HexFormat.of().parseHex(traceId);
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        return exports.stream().anyMatch(export -> indexOf(export, name) >= 0 && indexOf(export, id) >= 0);
    }

    private static int indexOf(byte[] data, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= data.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (data[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
