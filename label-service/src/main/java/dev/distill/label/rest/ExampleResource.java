package dev.distill.label.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.wire.TextExample;
import dev.distill.label.config.LabelConfig;
import dev.distill.label.messaging.ExamplePublisher;
import dev.distill.label.service.ExampleValidator;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /examples}: a JSON array of examples, or JSON lines ({@code application/x-ndjson}), each
 * {@code {"id": optional, "text": required, "label": optional class name or index}}. Answers 202 once every example
 * is in Kafka, or 400 with a JSON error naming the first bad example; nothing is published from a request that has a
 * bad example. Ids are unique within a request, and nothing may follow the JSON (a second array is refused, not
 * dropped).
 */
@Path("/examples")
public class ExampleResource {
    private final ObjectMapper mapper;
    private final ExampleValidator validator;
    private final ExamplePublisher publisher;
    private final LabelConfig config;

    public ExampleResource(ObjectMapper mapper, ExampleValidator validator, ExamplePublisher publisher,
            LabelConfig config) {
        this.mapper = mapper;
        this.validator = validator;
        this.publisher = publisher;
        this.config = config;
    }

    /** Accepted-request answer. */
    public record Accepted(int accepted, List<String> ids) {
    }

    @POST
    @Consumes({MediaType.APPLICATION_JSON, JsonBatchBody.NDJSON, MediaType.TEXT_PLAIN})
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> ingest(byte[] body) {
        List<TextExample> examples;
        try {
            examples = parse(body);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(JsonErrors.of(Response.Status.BAD_REQUEST.getStatusCode(), e.getMessage()));
        }
        List<String> ids = examples.stream().map(TextExample::id).toList();
        return publisher.publish(examples)
                .replaceWith(() -> Response.accepted(new Accepted(examples.size(), ids)).build());
    }

    private List<TextExample> parse(byte[] body) {
        List<JsonNode> nodes = new JsonBatchBody(mapper, "examples",
                "{\"text\": ..., \"label\": optional, \"id\": optional}").items(body, config.maxRequestExamples());
        List<TextExample> examples = new ArrayList<>(nodes.size());
        Map<String, Integer> firstWithId = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            TextExample example = toExample(nodes.get(i), i);
            String problem = validator.problem(example);
            if (problem != null) {
                throw new IllegalArgumentException("example " + i + ": " + problem);
            }
            Integer first = firstWithId.putIfAbsent(example.id(), i);
            if (first != null) {
                // the same example twice in one request would be trained on twice
                throw new IllegalArgumentException("example " + i + ": id \"" + example.id() + "\" repeats example "
                        + first + "'s; ids must be unique within a request");
            }
            examples.add(example);
        }
        return examples;
    }

    private static TextExample toExample(JsonNode node, int index) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("example " + index + " is not a JSON object");
        }
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) {
            throw new IllegalArgumentException("example " + index + ": \"text\" must be a string");
        }
        JsonNode label = node.get("label");
        if (label != null && !label.isNull() && !label.isInt() && !label.isTextual()) {
            throw new IllegalArgumentException("example " + index + ": \"label\" must be a class name or index");
        }
        JsonNode id = node.get("id");
        String exampleId = id == null || id.isNull() ? UUID.randomUUID().toString() : id.asText();
        return new TextExample(exampleId, text.asText(), label == null || label.isNull() ? null : label.asText());
    }
}
