package dev.distill.service.http;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error answer of the services' REST APIs is JSON, {@code {"error": "what is wrong"}}, also for refused media
 * types, unknown paths and bad parameters.
 */
public class JsonErrors {

    /** The JSON error answer. */
    public static Response of(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }

    @ServerExceptionMapper
    public Response frameworkError(WebApplicationException e) {
        return of(e.getResponse().getStatus(), e.getMessage());
    }
}
