package dev.distill.label.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error answer of the REST API is JSON, {@code {"error": "what is wrong"}}, also for refused media types. */
public class JsonErrors {

    static Response of(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }

    @ServerExceptionMapper
    public Response frameworkError(WebApplicationException e) {
        return of(e.getResponse().getStatus(), e.getMessage());
    }
}
