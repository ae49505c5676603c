package dev.distill.core.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads what {@link BinaryWriter} wrote, refusing counts the remaining bytes cannot hold before allocating. */
final class BinaryReader {
    final ByteBuffer buffer;

    BinaryReader(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    Integer varint() {
        long value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte next = buffer.get();
            value |= (long) (next & 0x7F) << shift;
            if (next >= 0) {
                if (value - 1 > Integer.MAX_VALUE) {
                    throw new WireFormatException("binary soft-label batch is corrupt: varint out of range", null);
                }
                return value == 0 ? null : (int) (value - 1);
            }
        }
        throw new WireFormatException("binary soft-label batch is corrupt: varint longer than 5 bytes", null);
    }

    /** A count that must be present, each counted item taking at least {@code minimumBytesEach}. */
    int count(int minimumBytesEach) {
        Integer count = varint();
        if (count == null) {
            throw new WireFormatException("binary soft-label batch is corrupt: a count is missing", null);
        }
        return check(count, minimumBytesEach);
    }

    int check(int count, int minimumBytesEach) {
        if ((long) count * minimumBytesEach > buffer.remaining()) {
            throw new WireFormatException("binary soft-label batch is corrupt: a count of " + count
                    + " does not fit in the " + buffer.remaining() + " bytes left", null);
        }
        return count;
    }

    String string() {
        Integer length = varint();
        if (length == null) {
            return null;
        }
        byte[] utf8 = new byte[check(length, 1)];
        buffer.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    List<String> strings() {
        Integer count = varint();
        if (count == null) {
            return null;
        }
        List<String> values = new ArrayList<>(check(count, 1));
        for (int i = 0; i < count; i++) {
            values.add(string());
        }
        return values;
    }

    int[] ints() {
        Integer count = varint();
        if (count == null) {
            return null;
        }
        int[] values = new int[check(count, 1)];
        for (int i = 0; i < values.length; i++) {
            Integer value = varint();
            if (value == null) {
                throw new WireFormatException("binary soft-label batch is corrupt: a null in a list", null);
            }
            values[i] = value;
        }
        return values;
    }
}
