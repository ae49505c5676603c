package dev.distill.eval.rest;

import dev.distill.core.onnx.OnnxPrecision;
import dev.distill.core.wire.PromotionEvent;
import dev.distill.eval.Promotion;
import dev.distill.eval.service.PromotionAnnouncements;
import dev.distill.eval.service.PromotionService;
import dev.distill.eval.service.StudentDownloads;
import dev.distill.service.http.JsonErrors;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.function.Function;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * {@code GET /promotions}: every promotion, newest first; {@code GET /promotions/current}: the serving checkpoint
 * (204 before the first promotion); {@code POST /promotions/rollback} (API key): the checkpoint promoted before the
 * current one serves again, and a {@code ROLLED_BACK} event is published; 409 when none would serve.
 * {@code GET /promotions/current/student.onnx}, {@code .../student.int8.onnx} and {@code .../student.zip}: the
 * promoted student as an ONNX model (float or int8 weights) and as a zipped Hugging Face directory.
 * {@code GET /promotions/freshness?limit=100}: how fresh the newest promotions were when they began to serve, with
 * the median and 95th percentile of the total and of each part.
 */
@Path("/promotions")
@Produces(MediaType.APPLICATION_JSON)
public class PromotionResource {
    private static final int MAX_FRESHNESS_LIMIT = 10_000;
    private final PromotionService promotions;
    private final PromotionAnnouncements announcements;
    private final StudentDownloads downloads;
    private final Vertx vertx;

    public PromotionResource(PromotionService promotions, PromotionAnnouncements announcements,
            StudentDownloads downloads, Vertx vertx) {
        this.promotions = promotions;
        this.announcements = announcements;
        this.downloads = downloads;
        this.vertx = vertx;
    }

    @GET
    public Uni<List<Promotion>> history() {
        return promotions.history();
    }

    @GET
    @Path("/freshness")
    public Uni<Response> freshness(@QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > MAX_FRESHNESS_LIMIT) {
            return Uni.createFrom().item(JsonErrors.of(Response.Status.BAD_REQUEST.getStatusCode(),
                    "limit must be between 1 and " + MAX_FRESHNESS_LIMIT + ", got " + limit));
        }
        return promotions.freshness(limit).map(report -> Response.ok(report).build());
    }

    @GET
    @Path("/current")
    public Uni<Promotion> current() {
        return promotions.current();
    }

    /** The promoted student as an ONNX model; 404 before the first promotion. */
    @GET
    @Path("/current/student.onnx")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Uni<Response> onnx() {
        return download(promoted -> downloads.onnx(promoted, OnnxPrecision.FP32), "student.onnx");
    }

    /** The same with int8 linear weights (dynamically quantised); 404 before the first promotion. */
    @GET
    @Path("/current/student.int8.onnx")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Uni<Response> onnxInt8() {
        return download(promoted -> downloads.onnx(promoted, OnnxPrecision.INT8), "student.int8.onnx");
    }

    /** The promoted student as a zipped Hugging Face directory; 404 before the first promotion. */
    @GET
    @Path("/current/student.zip")
    @Produces("application/zip")
    public Uni<Response> huggingFace() {
        return download(downloads::huggingFaceZip, "student.zip");
    }

    private Uni<Response> download(Function<Promotion, java.nio.file.Path> export, String fileName) {
        return promotions.current().chain(promoted -> promoted == null
                ? Uni.createFrom().item(JsonErrors.of(Response.Status.NOT_FOUND.getStatusCode(),
                        "no checkpoint is promoted yet"))
                : vertx.executeBlocking(Uni.createFrom().item(() -> Response.ok(export.apply(promoted).toFile())
                        .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"").build())));
    }

    @POST
    @Path("/rollback")
    public Uni<PromotionEvent> rollback() {
        return promotions.rollback().call(announcements::announce);
    }

    @ServerExceptionMapper
    public Response rollbackRefused(PromotionService.RollbackRefusedException e) {
        return JsonErrors.of(Response.Status.CONFLICT.getStatusCode(), e.getMessage());
    }
}
