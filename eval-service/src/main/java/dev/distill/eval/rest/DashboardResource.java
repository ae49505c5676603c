package dev.distill.eval.rest;

import dev.distill.eval.ml.CheckpointScorer;
import dev.distill.eval.service.DashboardFeed;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * Data of the dashboard page ({@code /}, static): {@code GET /dashboard/updates} streams new scores and promotion
 * changes as server-sent events; {@code GET /dashboard/teacher} gives the teacher's own held-out scores.
 */
@Path("/dashboard")
public class DashboardResource {
    private final DashboardFeed feed;
    private final CheckpointScorer scorer;

    public DashboardResource(DashboardFeed feed, CheckpointScorer scorer) {
        this.feed = feed;
        this.scorer = scorer;
    }

    @GET
    @Path("/updates")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<DashboardFeed.Update> updates() {
        return feed.updates();
    }

    /**
     * {@code {"accuracy": ..., "macroF1": ..., "examples": ..., "latencyMillisP50": ..., "latencyMillisP95": ...,
     * "sentencesPerSecond": ...}} (and {@code parameters}, {@code sizeBytes} for a checkpoint teacher), or {@code {}}
     * when eval-service has no teacher.
     */
    @GET
    @Path("/teacher")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> teacher() {
        Map<String, Object> teacher = new LinkedHashMap<>();
        scorer.teacherMetrics().ifPresent(metrics -> {
            teacher.put("accuracy", metrics.accuracy());
            teacher.put("macroF1", metrics.macroF1());
            teacher.put("examples", metrics.examples());
        });
        scorer.teacherLatency().ifPresent(latency -> {
            teacher.put("latencyMillisP50", latency.millisAtBatch1());
            teacher.put("latencyMillisP95", latency.millisAtBatch1P95());
            teacher.put("sentencesPerSecond", latency.sentencesPerSecond());
        });
        scorer.teacherFigures().ifPresent(figures -> {
            teacher.put("parameters", figures.parameters());
            teacher.put("nonEmbeddingParameters", figures.nonEmbeddingParameters());
            teacher.put("sizeBytes", figures.bytesOnDisk());
        });
        return teacher;
    }
}
