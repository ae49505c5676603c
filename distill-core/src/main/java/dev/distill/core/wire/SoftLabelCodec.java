package dev.distill.core.wire;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Soft-label batches on the wire, in any {@link SoftLabelEncoding}. {@link #decode} recognises the encoding of each
 * record: JSON starts with {@code {}, binary records with the magic bytes {@code DSL} and a format version.
 *
 * <p>Binary layout: magic {@code 'D' 'S' 'L'}, version byte, encoding byte; then batch id, teacher id, tokenizer id
 * as strings; temperature (big-endian float); hidden layers (count, then values); class names (count, then
 * strings; from version 2 on, absent in version 1); labels (count), each: example id
 * and text as strings, gold label, logits (class count, then the values: FP32 floats, FP16 halves, or for TOP_K k,
 * k class indices, k halves and, when k is below the class count, one half shared by every other class), hidden
 * states (layer count, then per layer a width and the values, floats for FP32, halves otherwise). Counts, lengths,
 * indices and the gold label are unsigned LEB128 varints of value + 1, with 0 for null; strings are UTF-8.
 */
public final class SoftLabelCodec {
    private static final byte[] MAGIC = {'D', 'S', 'L'};
    private static final byte VERSION = 2;
    /** The first format, without class names: still read. */
    private static final byte VERSION_WITHOUT_CLASSES = 1;
    /** Largest label space a top-k record may expand to: guards the allocation against corrupt counts. */
    private static final int MAX_TOP_K_CLASSES = 1 << 20;

    private final SoftLabelEncoding encoding;
    private final int topK;

    /**
     * @param topK logits kept per example with {@link SoftLabelEncoding#TOP_K}; ignored otherwise
     */
    public SoftLabelCodec(SoftLabelEncoding encoding, int topK) {
        if (encoding == SoftLabelEncoding.TOP_K && topK < 1) {
            throw new IllegalArgumentException("top-k encoding needs k >= 1, not " + topK);
        }
        this.encoding = encoding;
        this.topK = topK;
    }

    public SoftLabelEncoding encoding() {
        return encoding;
    }

    public byte[] encode(SoftLabelBatch batch) {
        if (encoding == SoftLabelEncoding.JSON) {
            return WireCodec.encode(batch);
        }
        BinaryWriter out = new BinaryWriter();
        out.ensure(MAGIC.length + 2).put(MAGIC).put(VERSION).put((byte) encoding.ordinal());
        out.string(batch.batchId());
        out.string(batch.teacherId());
        out.string(batch.tokenizerId());
        out.ensure(4).putFloat(batch.temperature());
        out.ints(batch.hiddenLayers());
        out.strings(batch.classes());
        out.varint(batch.labels().size());
        for (SoftLabel label : batch.labels()) {
            out.string(label.exampleId());
            out.string(label.text());
            out.varint(label.label());
            writeLogits(out, label.logits());
            if (label.hidden() == null) {
                out.varint(null);
            } else {
                out.varint(label.hidden().length);
                for (float[] state : label.hidden()) {
                    out.varint(state.length);
                    writeValues(out, state);
                }
            }
        }
        return Arrays.copyOf(out.buffer.array(), out.buffer.position());
    }

    private void writeLogits(BinaryWriter out, float[] logits) {
        if (logits == null) {
            out.varint(null);
            return;
        }
        out.varint(logits.length);
        if (encoding != SoftLabelEncoding.TOP_K) {
            writeValues(out, logits);
            return;
        }
        int k = Math.min(topK, logits.length);
        int[] top = IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> logits[i]).reversed())
                .limit(k).mapToInt(Integer::intValue).toArray();
        out.varint(k);
        for (int index : top) {
            out.varint(index);
        }
        ByteBuffer buffer = out.ensure(2 * k + 2);
        for (int index : top) {
            buffer.putShort(HalfFloat.fromFloat(logits[index]));
        }
        if (k < logits.length) {
            buffer.putShort(HalfFloat.fromFloat(tailLogit(logits, top)));
        }
    }

    /** The one logit that gives each of the other classes the mean of their probabilities at temperature 1. */
    private static float tailLogit(float[] logits, int[] top) {
        boolean[] kept = new boolean[logits.length];
        for (int index : top) {
            kept[index] = true;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (!kept[i]) {
                max = Math.max(max, logits[i]);
            }
        }
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            if (!kept[i]) {
                sum += Math.exp(logits[i] - max);
            }
        }
        return (float) (max + Math.log(sum / (logits.length - top.length)));
    }

    private void writeValues(BinaryWriter out, float[] values) {
        if (encoding == SoftLabelEncoding.FP32) {
            ByteBuffer buffer = out.ensure(4 * values.length);
            for (float value : values) {
                buffer.putFloat(value);
            }
        } else {
            ByteBuffer buffer = out.ensure(2 * values.length);
            for (float value : values) {
                buffer.putShort(HalfFloat.fromFloat(value));
            }
        }
    }

    /**
     * Reads a batch in any encoding.
     *
     * @throws WireFormatException if the bytes are not a soft-label batch, saying why
     */
    public static SoftLabelBatch decode(byte[] bytes) {
        if (bytes == null || bytes.length < MAGIC.length + 2
                || bytes[0] != MAGIC[0] || bytes[1] != MAGIC[1] || bytes[2] != MAGIC[2]) {
            return WireCodec.decode(bytes, SoftLabelBatch.class);
        }
        if (bytes[3] != VERSION && bytes[3] != VERSION_WITHOUT_CLASSES) {
            throw new WireFormatException("binary soft-label batch of format version " + bytes[3]
                    + "; this build reads versions " + VERSION_WITHOUT_CLASSES + " and " + VERSION, null);
        }
        int encodingIndex = bytes[4];
        if (encodingIndex <= SoftLabelEncoding.JSON.ordinal() || encodingIndex >= SoftLabelEncoding.values().length) {
            throw new WireFormatException("binary soft-label batch with unknown encoding " + encodingIndex, null);
        }
        SoftLabelEncoding encoding = SoftLabelEncoding.values()[encodingIndex];
        BinaryReader in = new BinaryReader(ByteBuffer.wrap(bytes, MAGIC.length + 2, bytes.length - MAGIC.length - 2));
        try {
            String batchId = in.string();
            String teacherId = in.string();
            String tokenizerId = in.string();
            float temperature = in.buffer.getFloat();
            int[] hiddenLayers = in.ints();
            List<String> classes = bytes[3] == VERSION_WITHOUT_CLASSES ? null : in.strings();
            int count = in.count(3);
            List<SoftLabel> labels = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String exampleId = in.string();
                String text = in.string();
                Integer gold = in.varint();
                float[] logits = readLogits(in, encoding);
                float[][] hidden = null;
                Integer layers = in.varint();
                if (layers != null) {
                    hidden = new float[in.check(layers, 1)][];
                    for (int layer = 0; layer < layers; layer++) {
                        hidden[layer] = readValues(in, in.count(2), encoding);
                    }
                }
                labels.add(new SoftLabel(exampleId, text, gold, logits, hidden));
            }
            if (in.buffer.hasRemaining()) {
                throw new WireFormatException("binary soft-label batch has " + in.buffer.remaining()
                        + " bytes after its last label", null);
            }
            return new SoftLabelBatch(batchId, teacherId, tokenizerId, temperature, hiddenLayers, labels, classes);
        } catch (BufferUnderflowException e) {
            throw new WireFormatException("binary soft-label batch of " + bytes.length + " bytes is truncated", e);
        }
    }

    private static float[] readLogits(BinaryReader in, SoftLabelEncoding encoding) {
        Integer classes = in.varint();
        if (classes == null) {
            return null;
        }
        if (encoding != SoftLabelEncoding.TOP_K) {
            return readValues(in, in.check(classes, 2), encoding);
        }
        int k = in.count(3);
        if (k < 1 || k > classes) {
            throw new WireFormatException("top-k soft label keeps " + k + " of " + classes + " logits", null);
        }
        int[] indices = new int[k];
        for (int i = 0; i < k; i++) {
            Integer index = in.varint();
            if (index == null || index >= classes) {
                throw new WireFormatException("top-k soft label names class " + index + " of " + classes, null);
            }
            indices[i] = index;
        }
        if (classes > MAX_TOP_K_CLASSES) {
            throw new WireFormatException("top-k soft label over " + classes + " classes; at most "
                    + MAX_TOP_K_CLASSES + " are read", null);
        }
        float[] logits = new float[classes];
        float[] kept = new float[k];
        for (int i = 0; i < k; i++) {
            kept[i] = HalfFloat.toFloat(in.buffer.getShort());
        }
        Arrays.fill(logits, k < classes ? HalfFloat.toFloat(in.buffer.getShort()) : 0f);
        for (int i = 0; i < k; i++) {
            logits[indices[i]] = kept[i];
        }
        return logits;
    }

    private static float[] readValues(BinaryReader in, int count, SoftLabelEncoding encoding) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = encoding == SoftLabelEncoding.FP32 ? in.buffer.getFloat()
                    : HalfFloat.toFloat(in.buffer.getShort());
        }
        return values;
    }
}
