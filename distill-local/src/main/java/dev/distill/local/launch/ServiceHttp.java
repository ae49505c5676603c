package dev.distill.local.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Talks to a running service over HTTP: reads JSON resources and Prometheus metrics, posts JSON with the API key. */
public final class ServiceHttp {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServiceHttp() {
    }

    /** The JSON a service answers to {@code GET url}; anything but 200 is an error that quotes the answer. */
    public static JsonNode getJson(String url) {
        try {
            return JSON.readTree(get(url));
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + url + " answered no JSON", e);
        }
    }

    /**
     * The samples of a service's {@code /q/metrics} by metric name, labels dropped: e.g. one value per partition of
     * a per-partition gauge.
     */
    public static Map<String, List<Double>> metrics(String serviceUrl) {
        Map<String, List<Double>> samples = new HashMap<>();
        for (String line : get(serviceUrl + "/q/metrics").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            // OpenMetrics: name{labels} value [# exemplar]
            String sample = line.contains(" # ") ? line.substring(0, line.indexOf(" # ")) : line;
            int space = sample.indexOf(' ');
            int brace = sample.indexOf('{');
            int nameEnd = brace >= 0 && brace < space ? brace : space;
            samples.computeIfAbsent(sample.substring(0, nameEnd), name -> new ArrayList<>())
                    .add(Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1)));
        }
        return samples;
    }

    /** The sum of a metric's samples in {@link #metrics}. */
    public static double sum(Map<String, List<Double>> samples, String name) {
        List<Double> values = samples.get(name);
        if (values == null) {
            throw new IllegalStateException(name + " is not among the metrics: " + samples.keySet().stream()
                    .filter(key -> key.startsWith("distill")).sorted().toList());
        }
        return values.stream().mapToDouble(Double::doubleValue).sum();
    }

    private static String get(String url) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + url + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Posts {@code body} as JSON with the API key ({@link ServiceProcess#AUTHORIZATION}); any answer is returned. */
    public static HttpResponse<String> postJson(String url, Object body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .header("Authorization", ServiceProcess.AUTHORIZATION)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build();
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
