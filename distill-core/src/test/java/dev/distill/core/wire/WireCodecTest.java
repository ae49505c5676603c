package dev.distill.core.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireCodecTest {

    @Test
    void softLabelBatchSurvivesRoundTrip() {
        SoftLabelBatch batch = new SoftLabelBatch("b-1", "teacher-sha", "tokenizer-sha", 2.0f, List.of(
                new SoftLabel("e-1", "a gripping , funny film", 1, new float[] {-1.25f, 3.5f}),
                new SoftLabel("e-2", "unlabelled text ü", null, new float[] {0.1f, -0.2f})));

        SoftLabelBatch decoded = WireCodec.decode(WireCodec.encode(batch), SoftLabelBatch.class);

        assertEquals("b-1", decoded.batchId());
        assertEquals("teacher-sha", decoded.teacherId());
        assertEquals("tokenizer-sha", decoded.tokenizerId());
        assertEquals(2.0f, decoded.temperature());
        assertEquals(2, decoded.labels().size());
        assertEquals("unlabelled text ü", decoded.labels().get(1).text());
        assertNull(decoded.labels().get(1).label());
        assertEquals(1, decoded.labels().get(0).label());
        assertArrayEquals(new float[] {-1.25f, 3.5f}, decoded.labels().get(0).logits());
    }

    @Test
    void everyRecordTypeRoundTrips() {
        TextExample example = new TextExample("id-7", "text", "positive");
        CheckpointEvent event = new CheckpointEvent("run", "ck", 12, 384, "/ck/step-12", 0.42);
        EvalResult result = new EvalResult("run", "ck", 12, 0.8125, 0.80, 872, 0.9375);

        assertEquals(example, WireCodec.decode(WireCodec.encode(example), TextExample.class));
        assertEquals(event, WireCodec.decode(WireCodec.encode(event), CheckpointEvent.class));
        assertEquals(result, WireCodec.decode(WireCodec.encode(result), EvalResult.class));
    }

    @Test
    void badBytesGiveAnErrorNamingTheType() {
        byte[] garbage = {(byte) 0xC3, 0x28, 0x00, 0x7B};
        WireFormatException error = assertThrows(WireFormatException.class,
                () -> WireCodec.decode(garbage, SoftLabelBatch.class));
        assertTrue(error.getMessage().startsWith("cannot decode SoftLabelBatch from 4 bytes"), error.getMessage());
    }

    @Test
    void emptyAndWrongTypeRecordsAreRefused() {
        assertThrows(WireFormatException.class, () -> WireCodec.decode(new byte[0], TextExample.class));
        byte[] event = WireCodec.encode(new CheckpointEvent("r", "c", 1, 1, "p", 0));
        WireFormatException error = assertThrows(WireFormatException.class,
                () -> WireCodec.decode(event, TextExample.class));
        assertTrue(error.getMessage().contains("TextExample"), error.getMessage());
        byte[] truncated = "{\"id\":\"x\",\"text\":\"abc".getBytes(StandardCharsets.UTF_8);
        assertThrows(WireFormatException.class, () -> WireCodec.decode(truncated, TextExample.class));
    }
}
