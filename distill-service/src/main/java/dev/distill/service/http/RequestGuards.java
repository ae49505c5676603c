package dev.distill.service.http;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Requests refused before Quarkus looks at them, with a JSON reason instead of an empty body or a server error:
 * {@code Authorization: Basic} credentials that are not base64 of {@code user:password} (401; Quarkus would answer
 * 500), and bodies whose {@code Content-Length} exceeds {@code quarkus.http.limits.max-body-size} (413; Quarkus would
 * answer with no body).
 */
@ApplicationScoped
public class RequestGuards {
    /** Before Quarkus' own body-size check (order -2) and its authentication. */
    private static final int ORDER = Integer.MIN_VALUE + 2;
    private static final String BASIC = "basic ";

    private final MemorySize maxBodySize;

    public RequestGuards(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodySize = maxBodySize;
    }

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::guard);
    }

    private void guard(RoutingContext context) {
        String authorization = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && !wellFormedBasic(authorization)) {
            context.response().putHeader("WWW-Authenticate", "Basic realm=\"distill\"");
            refuse(context.response(), 401, "the Authorization header is not HTTP Basic credentials: send \"Basic \" "
                    + "followed by the base64 of distill:<API key>");
            return;
        }
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && tooLong(length)) {
            refuse(context.response(), 413, "the request body has " + length + " bytes, more than the "
                    + maxBodySize.asLongValue() + " this service accepts (quarkus.http.limits.max-body-size); "
                    + "split it into smaller requests");
            return;
        }
        context.next();
    }

    /** Any scheme other than Basic is left to Quarkus (it is not ours to judge); Basic must decode to user:password. */
    static boolean wellFormedBasic(String authorization) {
        if (!authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return true;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(BASIC.length()).strip()),
                    StandardCharsets.UTF_8);
            return decoded.indexOf(':') > 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean tooLong(String contentLength) {
        try {
            return Long.parseLong(contentLength.strip()) > maxBodySize.asLongValue();
        } catch (NumberFormatException e) {
            return false; // Vert.x refuses a malformed Content-Length itself
        }
    }

    private static void refuse(HttpServerResponse response, int status, String message) {
        response.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(new JsonObject().put("error", message).encode());
    }
}
