package dev.distill.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {
    private static final long MB = 1 << 20;
    private static final Path STATUS = Path.of("/proc/self/status");

    @BeforeEach
    void linuxOnly() {
        assumeTrue(Files.isReadable(STATUS), "resident memory is read from Linux /proc");
        NativeAllocator.configure();
    }

    @Test
    void freedTensorMemoryIsKeptForReuseUntilReleased() throws Exception {
        long before = residentBytes();
        allocateAndFree256MiB();
        long kept = residentBytes();
        assertTrue(kept - before > 200 * MB, "the 256 MiB of freed tensors should stay with the process for reuse, "
                + "resident memory grew by " + (kept - before) / MB + " MiB");

        NativeAllocator.release();
        long released = residentBytes();
        assertTrue(kept - released > 200 * MB, "releasing should give the freed tensors back to the system, "
                + "resident memory went from " + kept / MB + " to " + released / MB + " MiB");
        assertEquals(-1, NativeAllocator.releaseIfIdle(Duration.ZERO), "nothing is kept until models work again");
    }

    @Test
    void aModelThreadGivesFreedMemoryBackOnlyOnceIdle() throws Exception {
        Duration idle = Duration.ofSeconds(2);
        NativeAllocator.release();
        long before = residentBytes();
        try (ModelThread thread = new ModelThread("allocator-test", idle)) {
            thread.run(NativeAllocatorTest::allocateAndFree256MiB);
            long busyUntil = System.nanoTime() + 2 * idle.toNanos();
            while (System.nanoTime() < busyUntil) {
                // work more often than the idle time: nothing may be released meanwhile
                thread.run(() -> sleep(idle.toMillis() / 10));
            }
            long whileBusy = residentBytes();
            assertTrue(whileBusy - before > 200 * MB, "a busy model thread should keep the memory it freed, "
                    + "resident memory grew by only " + (whileBusy - before) / MB + " MiB after "
                    + 2 * idle.toMillis() + " ms of work");

            long deadline = System.nanoTime() + 5 * idle.toNanos();
            long resident = whileBusy;
            while (whileBusy - resident <= 200 * MB && System.nanoTime() < deadline) {
                sleep(100);
                resident = residentBytes();
            }
            assertTrue(whileBusy - resident > 200 * MB, "an idle model thread should give the freed memory back "
                    + "after " + idle.toMillis() + " ms; resident memory went from " + whileBusy / MB + " to "
                    + resident / MB + " MiB in " + 5 * idle.toMillis() + " ms");
        }
    }

    private static void allocateAndFree256MiB() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int i = 0; i < 16; i++) {
                // 16 MiB each: below the mmap threshold, so they come from the C heap; zeros() touches every page
                manager.zeros(new Shape(4 * MB));
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long residentBytes() throws IOException {
        String line = Files.readAllLines(STATUS).stream().filter(row -> row.startsWith("VmRSS:")).findFirst()
                .orElseThrow();
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
    }
}
