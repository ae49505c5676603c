package dev.distill.core.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How many threads ONNX Runtime is given: never its own default, which ran one thread on 2-core machines. */
class OnnxContractTest {
    @Test
    void withoutAnEngineThreadCountOnnxRuntimeRunsOneThreadPerCore() {
        assertEquals(2, OnnxContract.intraOpThreads(null, 2));
        assertEquals(16, OnnxContract.intraOpThreads(" ", 16));
    }

    @Test
    void anEngineThreadCountIsTaken() {
        assertEquals(1, OnnxContract.intraOpThreads("1", 2));
        assertEquals(3, OnnxContract.intraOpThreads(" 3 ", 16));
    }

    @Test
    void aBadEngineThreadCountIsRefusedWithItsName() {
        for (String bad : new String[] {"two", "0", "-1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxContract.intraOpThreads(bad, 2));
            assertTrue(e.getMessage().contains("OMP_NUM_THREADS") && e.getMessage().contains("'" + bad + "'"),
                    e.getMessage());
        }
    }
}
