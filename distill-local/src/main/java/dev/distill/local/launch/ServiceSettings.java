package dev.distill.local.launch;

import dev.distill.embedded.EmbeddedDatabase;
import java.util.Map;
import java.util.TreeMap;

/**
 * The settings a service is started with, built through typed methods: the keys of every setting the launcher, the
 * benchmarks and the tests use are typed here and in the subclasses, once each, so renaming a setting of a service
 * touches its {@code @ConfigMapping} and this package only. Subclasses add the settings of one service.
 *
 * @param <S> the subclass, returned by every setter for chaining
 */
public abstract sealed class ServiceSettings<S extends ServiceSettings<S>>
        permits LabelServiceSettings, TrainServiceSettings, EvalServiceSettings {
    private final String service;
    private final Map<String, String> properties = new TreeMap<>();
    private final Map<String, String> environment = new TreeMap<>();

    ServiceSettings(String service, String kafkaBootstrapServers) {
        this.service = service;
        set("kafka.bootstrap.servers", kafkaBootstrapServers);
    }

    /** The settings of label-service on this broker. */
    public static LabelServiceSettings label(String kafkaBootstrapServers) {
        return new LabelServiceSettings(kafkaBootstrapServers);
    }

    /** The settings of train-service on this broker. */
    public static TrainServiceSettings train(String kafkaBootstrapServers) {
        return new TrainServiceSettings(kafkaBootstrapServers);
    }

    /** The settings of eval-service on this broker. */
    public static EvalServiceSettings eval(String kafkaBootstrapServers) {
        return new EvalServiceSettings(kafkaBootstrapServers);
    }

    /** The service's module name, which is also the name of its Kafka consumer group. */
    public String service() {
        return service;
    }

    /** The settings as system properties for the service's JVM. */
    public Map<String, String> properties() {
        return Map.copyOf(properties);
    }

    /** Environment variables of the service's process. */
    public Map<String, String> environment() {
        return Map.copyOf(environment);
    }

    /**
     * Threads of the model engine (libtorch's OpenMP pool and ONNX Runtime's, {@code OMP_NUM_THREADS}; default: one
     * per core). Engines that share cores should also wait passively ({@link #sharingCores}): spinning engine threads
     * slow each other down.
     */
    @SuppressWarnings("unchecked")
    public S engineThreads(int threads) {
        environment.put("OMP_NUM_THREADS", String.valueOf(threads));
        return (S) this;
    }

    /**
     * For services whose engines share cores: libtorch's threads sleep as soon as they run out of work (OpenMP's
     * passive wait policy; ONNX Runtime's never spin here) instead of spinning on cores the other engine needs.
     * Measured on 2 cores with label-service and train-service streaming at once: 1.2x the examples/s of spinning
     * threads; a service alone loses ~6% to it, so alone it spins.
     */
    @SuppressWarnings("unchecked")
    public S sharingCores() {
        environment.put("OMP_WAIT_POLICY", "PASSIVE");
        return (S) this;
    }

    /** The PostgreSQL database of the service (reactive client URL, user and password). */
    public S database(String reactiveUrl, String user, String password) {
        set("quarkus.datasource.reactive.url", reactiveUrl);
        set("quarkus.datasource.username", user);
        return set("quarkus.datasource.password", password);
    }

    /** The embedded PostgreSQL of a local run. */
    public S database(EmbeddedDatabase database) {
        return database(database.reactiveUrl(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
    }

    /** Exports traces over OTLP/HTTP to {@code endpoint}, flushed every second. */
    public S tracing(String endpoint) {
        set("quarkus.otel.sdk.disabled", false);
        set("quarkus.otel.exporter.otlp.endpoint", endpoint);
        set("quarkus.otel.exporter.otlp.protocol", "http/protobuf");
        return set("quarkus.otel.bsp.schedule.delay", "1s");
    }

    /** Whether reads need the API key too: {@code permit} (the default) or {@code authenticated}. */
    public S readAccess(String policy) {
        return set("distill.read-access", policy);
    }

    @SuppressWarnings("unchecked")
    final S set(String key, Object value) {
        properties.put(key, String.valueOf(value));
        return (S) this;
    }

    @Override
    public String toString() {
        return service + " " + properties;
    }
}
