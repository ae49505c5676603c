package dev.distill.service.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A request body holding a batch of items: one JSON array, or JSON lines (one value per line). Strict: the body must
 * be UTF-8, hold at least one and at most a limit of items, and nothing may follow a JSON value ({@code [..][..]} is
 * refused, not cut short).
 *
 * @param noun  what the items are called in messages ({@code examples}, {@code texts})
 * @param shape what one item looks like, for the message on an empty body
 */
public record JsonBatchBody(ObjectMapper mapper, String noun, String shape) {
    /** The media type of JSON lines. */
    public static final String NDJSON = "application/x-ndjson";

    /**
     * The items of the body.
     *
     * @throws IllegalArgumentException saying what is wrong with the body, for a 400 answer
     */
    public List<JsonNode> items(byte[] body, int limit) {
        String text = utf8(body);
        if (text.isBlank()) {
            throw new IllegalArgumentException("the request body is empty; send a JSON array or JSON lines of "
                    + shape);
        }
        List<JsonNode> nodes = new ArrayList<>();
        String trimmed = text.strip();
        if (trimmed.startsWith("[")) {
            readJson(trimmed, "the body").forEach(nodes::add);
        } else {
            String[] lines = trimmed.split("\\R");
            for (int i = 0; i < lines.length; i++) {
                if (!lines[i].isBlank()) {
                    nodes.add(readJson(lines[i], "line " + (i + 1)));
                }
            }
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("the request holds no " + noun);
        }
        if (nodes.size() > limit) {
            throw new IllegalArgumentException("the request holds " + nodes.size() + " " + noun + ", the limit is "
                    + limit);
        }
        return nodes;
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

    /** One JSON value, and nothing after it. */
    private JsonNode readJson(String text, String where) {
        try (JsonParser parser = mapper.createParser(text)) {
            JsonNode node = mapper.readTree(parser);
            if (parser.nextToken() != null) {
                JsonLocation at = parser.currentTokenLocation();
                throw new IllegalArgumentException(where + " has content after its JSON value (line " + at.getLineNr()
                        + ", column " + at.getColumnNr() + "); send one JSON array, or one JSON value per line");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " cannot be read: " + e.getMessage());
        }
    }
}
