package dev.distill.core.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {
    private static final long MB = 1 << 20;
    private static final Path STATUS = Path.of("/proc/self/status");

    @Test
    void freedTensorMemoryIsKeptForReuseUntilReleased() throws Exception {
        assumeTrue(Files.isReadable(STATUS), "resident memory is read from Linux /proc");
        NativeAllocator.configure();
        long before = residentBytes();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int i = 0; i < 16; i++) {
                // 16 MiB each: below the mmap threshold, so they come from the C heap; zeros() touches every page
                manager.zeros(new Shape(4 * MB));
            }
        }
        long kept = residentBytes();
        assertTrue(kept - before > 200 * MB, "the 256 MiB of freed tensors should stay with the process for reuse, "
                + "resident memory grew by " + (kept - before) / MB + " MiB");

        NativeAllocator.release();
        long released = residentBytes();
        assertTrue(kept - released > 200 * MB, "releasing should give the freed tensors back to the system, "
                + "resident memory went from " + kept / MB + " to " + released / MB + " MiB");
        assertFalse(NativeAllocator.releaseDue(), "the next release is due " + NativeAllocator.RELEASE_INTERVAL
                + " after this one");
    }

    private static long residentBytes() throws IOException {
        String line = Files.readAllLines(STATUS).stream().filter(row -> row.startsWith("VmRSS:")).findFirst()
                .orElseThrow();
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
    }
}
