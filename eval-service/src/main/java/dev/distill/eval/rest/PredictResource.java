package dev.distill.eval.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.eval.config.EvalConfig;
import dev.distill.eval.ml.ServingModel;
import dev.distill.eval.service.PredictionService;
import dev.distill.service.http.JsonBatchBody;
import dev.distill.service.http.JsonErrors;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /predict}: texts in (a JSON array or JSON lines, each a string or {@code {"text": ...}}), the promoted
 * student's answer out: {@code {"checkpointId": ..., "predictions": [{"label": ..., "probabilities": {class:
 * p}}]}} in request order. 400 with a reason for a malformed request, 503 before the first promotion. Reads, as far
 * as access goes: open unless {@code distill.read-access=authenticated}.
 */
@Path("/predict")
public class PredictResource {
    private final PredictionService predictions;
    private final JsonBatchBody body;
    private final EvalConfig config;

    public PredictResource(PredictionService predictions, ObjectMapper mapper, EvalConfig config) {
        this.predictions = predictions;
        this.body = new JsonBatchBody(mapper, "texts", "texts (\"a sentence\" or {\"text\": \"a sentence\"})");
        this.config = config;
    }

    @POST
    @Consumes({MediaType.APPLICATION_JSON, JsonBatchBody.NDJSON, MediaType.TEXT_PLAIN})
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> predict(byte[] request) {
        Uni<ServingModel.Answer> answer;
        try {
            answer = predictions.predict(texts(body.items(request, config.maxRequestTexts())));
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(JsonErrors.of(Response.Status.BAD_REQUEST.getStatusCode(), e.getMessage()));
        }
        return answer.map(predicted -> Response.ok(predicted).build())
                .onFailure(ServingModel.NotServingException.class).recoverWithItem(e -> JsonErrors.of(
                        Response.Status.SERVICE_UNAVAILABLE.getStatusCode(), e.getMessage()));
    }

    private static List<String> texts(List<JsonNode> items) {
        List<String> texts = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            JsonNode text = item.isObject() ? item.get("text") : item;
            if (text == null || !text.isTextual()) {
                throw new IllegalArgumentException("text " + i + " must be a string or {\"text\": a string}");
            }
            texts.add(text.asText());
        }
        return texts;
    }
}
