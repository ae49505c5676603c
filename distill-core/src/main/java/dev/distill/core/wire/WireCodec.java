package dev.distill.core.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Encodes and decodes the wire records as UTF-8 JSON. Unknown fields are refused so that a record of the wrong type
 * is reported instead of silently read as empty.
 */
public final class WireCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private WireCodec() {
    }

    public static byte[] encode(Object record) {
        try {
            return MAPPER.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new WireFormatException("cannot encode " + record.getClass().getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    public static <T> T decode(byte[] bytes, Class<T> type) {
        if (bytes == null || bytes.length == 0) {
            throw new WireFormatException("cannot decode " + type.getSimpleName() + ": the record is empty", null);
        }
        try {
            T value = MAPPER.readValue(bytes, type);
            if (value == null) {
                throw new WireFormatException("cannot decode " + type.getSimpleName() + ": the record is null", null);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new WireFormatException("cannot decode " + type.getSimpleName() + " from " + bytes.length
                    + " bytes: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new WireFormatException("cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
