package dev.distill.core.pretrained;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The index of a TensorFlow 1 checkpoint bundle ({@code variables.index}), which says where each variable lies in
 * the data file ({@code variables.data-00000-of-00001}). The index is a LevelDB table: data blocks of prefix-compressed
 * key/value entries, an index block pointing at them, and a 48-byte footer ending in the table magic number; keys are
 * variable names, values {@code BundleEntryProto} messages (dtype, shape, offset and size in the data file).
 */
final class TensorFlowBundle {
    private static final long TABLE_MAGIC = 0xdb4775248b80fb57L;
    private static final int FOOTER_SIZE = 48;
    /** Every block is followed by a compression type byte and a crc32c. */
    private static final int BLOCK_TRAILER_SIZE = 5;
    /** {@code DT_FLOAT} in TensorFlow's {@code DataType} enum. */
    static final int DT_FLOAT = 1;

    private TensorFlowBundle() {
    }

    /**
     * Where a variable's values lie in the data file.
     *
     * @param dtype  TensorFlow data type ({@link #DT_FLOAT} for float32)
     * @param shape  dimensions
     * @param offset first byte in the data file
     * @param size   bytes
     */
    record Entry(int dtype, long[] shape, long offset, long size) {
    }

    /** Parses a {@code variables.index} file: variable name to entry, in key order. */
    static Map<String, Entry> readIndex(byte[] index) throws IOException {
        if (index.length < FOOTER_SIZE) {
            throw new IOException("not a TensorFlow bundle index: " + index.length + " bytes");
        }
        ByteBuffer footer = ByteBuffer.wrap(index, index.length - FOOTER_SIZE, FOOTER_SIZE)
                .order(ByteOrder.LITTLE_ENDIAN);
        if (footer.getLong(index.length - 8) != TABLE_MAGIC) {
            throw new IOException("not a TensorFlow bundle index: the table magic number is missing");
        }
        CodedInputStream handles = CodedInputStream.newInstance(index, index.length - FOOTER_SIZE, FOOTER_SIZE);
        handles.readRawVarint64(); // metaindex block offset
        handles.readRawVarint64(); // metaindex block size
        long indexOffset = handles.readRawVarint64();
        long indexSize = handles.readRawVarint64();
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (byte[] handle : blockEntries(index, (int) indexOffset, (int) indexSize).values()) {
            CodedInputStream block = CodedInputStream.newInstance(handle);
            int offset = (int) block.readRawVarint64();
            int size = (int) block.readRawVarint64();
            for (Map.Entry<String, byte[]> variable : blockEntries(index, offset, size).entrySet()) {
                if (!variable.getKey().isEmpty()) { // the empty key holds the bundle header
                    entries.put(variable.getKey(), entry(variable.getValue()));
                }
            }
        }
        return entries;
    }

    /** The key/value entries of one table block. */
    private static Map<String, byte[]> blockEntries(byte[] table, int offset, int size) throws IOException {
        if (offset < 0 || size < 4 || (long) offset + size + BLOCK_TRAILER_SIZE > table.length) {
            throw new IOException("corrupt TensorFlow bundle index: block at " + offset + " of " + size + " bytes");
        }
        if (table[offset + size] != 0) {
            throw new IOException("TensorFlow bundle index block is compressed (type " + table[offset + size]
                    + "); only uncompressed tables are read");
        }
        ByteBuffer block = ByteBuffer.wrap(table, offset, size).order(ByteOrder.LITTLE_ENDIAN);
        int restarts = block.getInt(offset + size - 4);
        int entriesEnd = size - 4 - 4 * restarts;
        CodedInputStream in = CodedInputStream.newInstance(table, offset, entriesEnd);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        byte[] key = new byte[0];
        while (!in.isAtEnd()) {
            int shared = in.readRawVarint32();
            int unshared = in.readRawVarint32();
            int valueLength = in.readRawVarint32();
            byte[] next = new byte[shared + unshared];
            System.arraycopy(key, 0, next, 0, shared);
            System.arraycopy(in.readRawBytes(unshared), 0, next, shared, unshared);
            key = next;
            entries.put(new String(key, StandardCharsets.UTF_8), in.readRawBytes(valueLength));
        }
        return entries;
    }

    /** A {@code BundleEntryProto}: dtype = 1, shape = 2 (dims = 2, each size = 1), offset = 4, size = 5. */
    private static Entry entry(byte[] proto) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(proto);
        int dtype = 0;
        List<Long> dims = new ArrayList<>();
        long offset = 0;
        long size = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> dtype = in.readEnum();
                case 2 -> dims.addAll(shape(in.readBytes().toByteArray()));
                case 4 -> offset = in.readInt64();
                case 5 -> size = in.readInt64();
                default -> in.skipField(tag);
            }
        }
        return new Entry(dtype, dims.stream().mapToLong(Long::longValue).toArray(), offset, size);
    }

    private static List<Long> shape(byte[] proto) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(proto);
        List<Long> dims = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == 2) {
                CodedInputStream dim = CodedInputStream.newInstance(in.readBytes().toByteArray());
                long value = 0;
                for (int dimTag = dim.readTag(); dimTag != 0; dimTag = dim.readTag()) {
                    if (WireFormat.getTagFieldNumber(dimTag) == 1) {
                        value = dim.readInt64();
                    } else {
                        dim.skipField(dimTag);
                    }
                }
                dims.add(value);
            } else {
                in.skipField(tag);
            }
        }
        return dims;
    }
}
