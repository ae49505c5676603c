package dev.distill.service.http;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Requests refused before Quarkus looks at them, with a JSON reason instead of an empty body or a server error:
 * {@code Authorization: Basic} credentials that are not base64 of {@code user:password} (401; Quarkus would answer
 * 500), and bodies larger than {@code quarkus.http.limits.max-body-size} (413; Quarkus would answer with no body):
 * refused by their {@code Content-Length} before they are read, or, sent in chunks, once they are read that far.
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
        HttpServerRequest request = context.request();
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && !wellFormedBasic(authorization)) {
            context.response().putHeader("WWW-Authenticate", "Basic realm=\"distill\"");
            refuse(context.response(), 401, "the Authorization header is not HTTP Basic credentials: send \"Basic \" "
                    + "followed by the base64 of distill:<API key>");
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && tooLong(length)) {
            refuse(context.response(), 413, "the request body has " + length + " bytes, more than the "
                    + maxBodySize.asLongValue() + " this service accepts (quarkus.http.limits.max-body-size); "
                    + "split it into smaller requests");
            return;
        }
        if (length == null && request.headers().contains(HttpHeaders.TRANSFER_ENCODING, HttpHeaders.CHUNKED, true)) {
            readChunkedBody(context);
            return;
        }
        context.next();
    }

    /**
     * A chunked body has no length to refuse it by before it is read, and Quarkus' own reader ends one that grows
     * too long with an empty 413: it is read here, up to the limit, and handed on ({@link BufferedBodyFilter}), or
     * refused with the reason once it passes the limit.
     */
    private void readChunkedBody(RoutingContext context) {
        HttpServerRequest request = context.request();
        long limit = maxBodySize.asLongValue();
        Buffer body = Buffer.buffer();
        AtomicBoolean refused = new AtomicBoolean();
        request.handler(chunk -> {
            if (refused.get()) {
                return;
            }
            if (body.length() + (long) chunk.length() > limit) {
                refused.set(true);
                refuse(context.response(), 413, "the request body has more than the " + limit + " bytes this "
                        + "service accepts (quarkus.http.limits.max-body-size); split it into smaller requests");
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(ended -> {
            if (!refused.get()) {
                context.put(BufferedBodyFilter.BODY, body);
                context.next();
            }
        });
        request.resume();
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
