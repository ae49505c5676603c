package dev.distill.core.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftLabelCodecTest {
    private static final SoftLabelBatch BATCH = new SoftLabelBatch("batch-1", "teacher-sha", "tokenizer-sha", 2f,
            new int[] {1, 3}, List.of(
                    new SoftLabel("ex-1", "a gripping , funny film ☺", 1, new float[] {-1.2345678f, 2.75f},
                            new float[][] {{0.5f, -0.25f, 1e-3f}, {3f, 0f, -7.5f}}),
                    new SoftLabel("ex-2", "", null, new float[] {0.1f, -0.1f},
                            new float[][] {{1f, 2f, 3f}, {4f, 5f, 6f}})));

    @Test
    void everyEncodingRoundTripsStructure() {
        for (SoftLabelEncoding encoding : SoftLabelEncoding.values()) {
            SoftLabelBatch decoded = SoftLabelCodec.decode(new SoftLabelCodec(encoding, 1).encode(BATCH));
            assertEquals("batch-1", decoded.batchId(), encoding.name());
            assertEquals("teacher-sha", decoded.teacherId());
            assertEquals("tokenizer-sha", decoded.tokenizerId());
            assertEquals(2f, decoded.temperature());
            assertArrayEquals(new int[] {1, 3}, decoded.hiddenLayers());
            assertEquals("a gripping , funny film ☺", decoded.labels().get(0).text());
            assertEquals(1, decoded.labels().get(0).label());
            assertNull(decoded.labels().get(1).label());
            assertEquals("", decoded.labels().get(1).text());
            assertEquals(2, decoded.labels().get(1).hidden().length);
        }
    }

    @Test
    void fp32IsLosslessAndFp16IsWithinHalfPrecision() {
        SoftLabelBatch exact = SoftLabelCodec.decode(new SoftLabelCodec(SoftLabelEncoding.FP32, 0).encode(BATCH));
        SoftLabelBatch half = SoftLabelCodec.decode(new SoftLabelCodec(SoftLabelEncoding.FP16, 0).encode(BATCH));
        for (int i = 0; i < BATCH.labels().size(); i++) {
            SoftLabel original = BATCH.labels().get(i);
            assertArrayEquals(original.logits(), exact.labels().get(i).logits(), 0f);
            assertArrayEquals(original.hidden()[1], exact.labels().get(i).hidden()[1], 0f);
            for (int c = 0; c < original.logits().length; c++) {
                float value = original.logits()[c];
                assertEquals(value, half.labels().get(i).logits()[c], Math.abs(value) / 1024 + 1e-7f);
            }
        }
        // -1.2345678 is not a half; its nearest half is -1.234375 (0xBCF0).
        assertEquals(-1.234375f, half.labels().get(0).logits()[0], 0f);
    }

    @Test
    void topKKeepsTheLargestLogitsAndTheTailMass() {
        float[] logits = {0.5f, 4f, -2f, 3f, 0f, -1f};
        SoftLabelBatch batch = new SoftLabelBatch("b", "t", "k", 1f, List.of(new SoftLabel("e", "x", 3, logits)));
        float[] decoded = SoftLabelCodec.decode(new SoftLabelCodec(SoftLabelEncoding.TOP_K, 2).encode(batch))
                .labels().get(0).logits();
        assertEquals(4f, decoded[1], 0f);
        assertEquals(3f, decoded[3], 0f);
        double tailMass = Math.exp(0.5) + Math.exp(-2) + Math.exp(0) + Math.exp(-1);
        double decodedTail = Math.exp(decoded[0]) + Math.exp(decoded[2]) + Math.exp(decoded[4]) + Math.exp(decoded[5]);
        assertEquals(tailMass, decodedTail, tailMass * 2e-3, "the other classes keep their mass");
        assertEquals(decoded[0], decoded[5], 0f, "one value for every other class");

        float[] all = SoftLabelCodec.decode(new SoftLabelCodec(SoftLabelEncoding.TOP_K, 10).encode(batch))
                .labels().get(0).logits();
        assertArrayEquals(logits, all, 1e-3f);
    }

    @Test
    void binaryIsSmallerThanJson() {
        SoftLabelBatch batch = realisticBatch(32, 2);
        int json = new SoftLabelCodec(SoftLabelEncoding.JSON, 0).encode(batch).length;
        int fp32 = new SoftLabelCodec(SoftLabelEncoding.FP32, 0).encode(batch).length;
        int fp16 = new SoftLabelCodec(SoftLabelEncoding.FP16, 0).encode(batch).length;
        assertTrue(fp16 < fp32 && fp32 < json, "sizes json " + json + ", fp32 " + fp32 + ", fp16 " + fp16);
    }

    @Test
    void jsonRecordsStillDecode() {
        SoftLabelBatch decoded = SoftLabelCodec.decode(WireCodec.encode(BATCH));
        assertArrayEquals(BATCH.labels().get(0).logits(), decoded.labels().get(0).logits(), 0f);
    }

    @Test
    void damagedRecordsAreRefusedWithAReason() {
        byte[] good = new SoftLabelCodec(SoftLabelEncoding.FP16, 0).encode(BATCH);
        for (int cut = 5; cut < good.length; cut += 3) {
            byte[] truncated = Arrays.copyOf(good, cut);
            WireFormatException error = assertThrows(WireFormatException.class,
                    () -> SoftLabelCodec.decode(truncated), "cut at " + cut);
            assertTrue(error.getMessage().startsWith("binary soft-label batch"), error.getMessage());
        }
        byte[] hugeCount = Arrays.copyOf(good, 12);
        Arrays.fill(hugeCount, 6, 12, (byte) 0xFF);
        assertThrows(WireFormatException.class, () -> SoftLabelCodec.decode(hugeCount));
        byte[] otherVersion = good.clone();
        otherVersion[3] = 9;
        assertTrue(assertThrows(WireFormatException.class, () -> SoftLabelCodec.decode(otherVersion)).getMessage()
                .contains("format version 9"));
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThrows(WireFormatException.class, () -> SoftLabelCodec.decode(trailing));

        Random random = new Random(3);
        for (int i = 0; i < 2000; i++) {
            byte[] noise = good.clone();
            noise[5 + random.nextInt(noise.length - 5)] = (byte) random.nextInt();
            try {
                SoftLabelCodec.decode(noise);
            } catch (WireFormatException expected) {
                // a flipped byte may still decode (inside a text or a value); it must never throw anything else
            }
        }
    }

    @Test
    void halfFloatConversionMatchesIeee() {
        assertEquals((short) 0x3C00, HalfFloat.fromFloat(1f));
        assertEquals((short) 0xC000, HalfFloat.fromFloat(-2f));
        assertEquals((short) 0x7BFF, HalfFloat.fromFloat(65504f));
        assertEquals((short) 0x7C00, HalfFloat.fromFloat(1e6f));
        assertEquals((short) 0x0001, HalfFloat.fromFloat(5.9604645e-8f));
        assertEquals((short) 0x0000, HalfFloat.fromFloat(1e-9f));
        assertEquals((short) 0x3C00, HalfFloat.fromFloat(1.00048828125f), "a tie rounds to even");
        assertEquals((short) 0x3C02, HalfFloat.fromFloat(1.00146484375f), "a tie rounds to even");
        assertTrue(Float.isNaN(HalfFloat.toFloat(HalfFloat.fromFloat(Float.NaN))));
        for (int bits = 0; bits < 0x7C00; bits++) {
            float value = HalfFloat.toFloat((short) bits);
            assertEquals((short) bits, HalfFloat.fromFloat(value), "half " + Integer.toHexString(bits));
            assertEquals((short) (bits | 0x8000), HalfFloat.fromFloat(-value));
        }
    }

    static SoftLabelBatch realisticBatch(int size, int classes) {
        Random random = new Random(11);
        List<SoftLabel> labels = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            float[] logits = new float[classes];
            for (int c = 0; c < classes; c++) {
                logits[c] = (float) (random.nextGaussian() * 3);
            }
            labels.add(new SoftLabel("ex-" + i, "it 's a charming and often affecting journey .", i % 2, logits));
        }
        return new SoftLabelBatch("b", "teacher", "tokenizer", 2f, labels);
    }
}
