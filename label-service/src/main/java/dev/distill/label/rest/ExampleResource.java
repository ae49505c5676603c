package dev.distill.label.rest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.wire.TextExample;
import dev.distill.label.config.LabelConfig;
import dev.distill.label.messaging.ExamplePublisher;
import dev.distill.label.service.ExampleValidator;
import dev.distill.service.http.JsonErrors;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
    private static final String NDJSON = "application/x-ndjson";

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
    @Consumes({MediaType.APPLICATION_JSON, NDJSON, MediaType.TEXT_PLAIN})
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> ingest(byte[] body) {
        List<TextExample> examples;
        try {
            examples = parse(utf8(body));
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(JsonErrors.of(Response.Status.BAD_REQUEST.getStatusCode(), e.getMessage()));
        }
        List<String> ids = examples.stream().map(TextExample::id).toList();
        return publisher.publish(examples)
                .replaceWith(() -> Response.accepted(new Accepted(examples.size(), ids)).build());
    }

    private static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body == null ? new byte[0] : body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the request body is not valid UTF-8 (" + e.getMessage() + ")");
        }
    }

    private List<TextExample> parse(String body) {
        if (body == null || body.isBlank()) {
            throw new IllegalArgumentException("the request body is empty; send a JSON array or JSON lines of "
                    + "{\"text\": ..., \"label\": optional, \"id\": optional}");
        }
        List<JsonNode> nodes = new ArrayList<>();
        String trimmed = body.strip();
        if (trimmed.startsWith("[")) {
            JsonNode array = readJson(trimmed, "the body");
            array.forEach(nodes::add);
        } else {
            String[] lines = trimmed.split("\\R");
            for (int i = 0; i < lines.length; i++) {
                if (!lines[i].isBlank()) {
                    nodes.add(readJson(lines[i], "line " + (i + 1)));
                }
            }
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("the request holds no examples");
        }
        if (nodes.size() > config.maxRequestExamples()) {
            throw new IllegalArgumentException("the request holds " + nodes.size() + " examples, the limit is "
                    + config.maxRequestExamples());
        }
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

    /** One JSON value, and nothing after it: {@code [..] garbage} or {@code [..][..]} is refused, not cut short. */
    private JsonNode readJson(String text, String where) {
        try (JsonParser parser = mapper.createParser(text)) {
            JsonNode node = mapper.readTree(parser);
            if (parser.nextToken() != null) {
                JsonLocation at = parser.currentTokenLocation();
                throw new IllegalArgumentException(where + " has content after its JSON value (line " + at.getLineNr()
                        + ", column " + at.getColumnNr() + "); send one JSON array, or one JSON object per line");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " cannot be read: " + e.getMessage());
        }
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
