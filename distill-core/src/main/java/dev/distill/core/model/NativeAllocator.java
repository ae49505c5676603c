package dev.distill.core.model;

import com.sun.jna.Function;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the C heap's freed memory for reuse. With glibc's defaults, every tensor above the (dynamic) mmap threshold
 * is mapped and unmapped per use, and a freed heap top is given back to the system: a training step of a small
 * student then spends a third of its time in page faults (about 10,000 per step, measured) re-zeroing memory it
 * just freed. Raising the mmap and trim thresholds makes the process keep its working set instead, as the
 * allocators PyTorch users preload (jemalloc, tcmalloc) do. Settings: tensors up to 32 MiB come from the heap, and
 * up to 1 GiB of free heap is kept. Linux with glibc only; elsewhere nothing changes.
 */
public final class NativeAllocator {
    private static final Logger LOG = Logger.getLogger(NativeAllocator.class.getName());
    // mallopt parameters, from glibc's malloc.h.
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static final AtomicBoolean CONFIGURED = new AtomicBoolean();

    private NativeAllocator() {
    }

    /** Applies the settings once per process, before models allocate; later calls do nothing. */
    public static void configure() {
        if (!CONFIGURED.compareAndSet(false, true) || !System.getProperty("os.name", "").startsWith("Linux")) {
            return;
        }
        try {
            Function mallopt = Function.getFunction("c", "mallopt");
            boolean applied = mallopt.invokeInt(new Object[] {M_MMAP_THRESHOLD, 32 << 20}) == 1
                    & mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, 1 << 30}) == 1
                    & mallopt.invokeInt(new Object[] {M_TOP_PAD, 64 << 20}) == 1;
            if (!applied) {
                LOG.warning("the C allocator refused some heap settings; tensors may be re-mapped on every use");
            }
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.log(Level.FINE, "no glibc mallopt: allocator settings unchanged", e);
        }
    }
}
