package dev.distill.eval.rest;

import dev.distill.core.wire.PromotionEvent;
import dev.distill.eval.Promotion;
import dev.distill.eval.messaging.EvaluationPipeline;
import dev.distill.eval.service.PromotionService;
import dev.distill.service.http.JsonErrors;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * {@code GET /promotions}: every promotion, newest first; {@code GET /promotions/current}: the serving checkpoint
 * (204 before the first promotion); {@code POST /promotions/rollback} (API key): the checkpoint promoted before the
 * current one serves again, and a {@code ROLLED_BACK} event is published; 409 when none would serve.
 */
@Path("/promotions")
@Produces(MediaType.APPLICATION_JSON)
public class PromotionResource {
    private final PromotionService promotions;
    private final EvaluationPipeline pipeline;

    public PromotionResource(PromotionService promotions, EvaluationPipeline pipeline) {
        this.promotions = promotions;
        this.pipeline = pipeline;
    }

    @GET
    public Uni<List<Promotion>> history() {
        return promotions.history();
    }

    @GET
    @Path("/current")
    public Uni<Promotion> current() {
        return promotions.current();
    }

    @POST
    @Path("/rollback")
    public Uni<PromotionEvent> rollback() {
        return promotions.rollback().call(pipeline::announce);
    }

    @ServerExceptionMapper
    public Response rollbackRefused(PromotionService.RollbackRefusedException e) {
        return JsonErrors.of(Response.Status.CONFLICT.getStatusCode(), e.getMessage());
    }
}
