package dev.distill.core.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A growable big-endian buffer: the binary soft-label format's writing side ({@link SoftLabelCodec}). */
final class BinaryWriter {
    ByteBuffer buffer = ByteBuffer.allocate(4096);

    ByteBuffer ensure(int bytes) {
        if (buffer.remaining() < bytes) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
            buffer.flip();
            larger.put(buffer);
            buffer = larger;
        }
        return buffer;
    }

    /** Unsigned LEB128 of {@code value + 1}; 0 for null. */
    void varint(Integer value) {
        if (value != null && value < 0) {
            throw new IllegalArgumentException("varints carry values from 0 up, not " + value);
        }
        long encoded = value == null ? 0 : value.longValue() + 1;
        ensure(5);
        while (encoded >= 0x80) {
            buffer.put((byte) (encoded & 0x7F | 0x80));
            encoded >>>= 7;
        }
        buffer.put((byte) encoded);
    }

    void string(String value) {
        if (value == null) {
            varint(null);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        varint(utf8.length);
        ensure(utf8.length).put(utf8);
    }

    void strings(List<String> values) {
        if (values == null) {
            varint(null);
            return;
        }
        varint(values.size());
        values.forEach(this::string);
    }

    void ints(int[] values) {
        if (values == null) {
            varint(null);
            return;
        }
        varint(values.length);
        for (int value : values) {
            varint(value);
        }
    }
}
