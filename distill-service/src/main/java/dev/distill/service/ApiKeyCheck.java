package dev.distill.service;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Stops a service that has no API key before it does anything else, with a message that names the setting: without
 * one, no mutating request could ever be authorised.
 */
@ApplicationScoped
public class ApiKeyCheck {
    /** The API key setting; {@code META-INF/microprofile-config.properties} makes it the password of user distill. */
    public static final String API_KEY = "distill.api-key";

    private final Optional<String> apiKey;

    public ApiKeyCheck(@ConfigProperty(name = API_KEY) Optional<String> apiKey) {
        this.apiKey = apiKey;
    }

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (apiKey.filter(key -> !key.isBlank()).isEmpty()) {
            throw new IllegalStateException("no API key: set the environment variable DISTILL_API_KEY (or the "
                    + "system property " + API_KEY + ") to the secret that mutating requests must send as the HTTP "
                    + "Basic password of user \"distill\"");
        }
    }
}
