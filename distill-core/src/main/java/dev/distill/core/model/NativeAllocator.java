package dev.distill.core.model;

import com.sun.jna.Function;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the C heap's freed memory for reuse. With glibc's defaults, every tensor above the (dynamic) mmap threshold
 * is mapped and unmapped per use, and a freed heap top is given back to the system: a training step of a small
 * student then spends a third of its time in page faults (about 10,000 per step, measured) re-zeroing memory it
 * just freed. Raising the mmap and trim thresholds makes the process keep its working set instead, as the
 * allocators PyTorch users preload (jemalloc, tcmalloc) do. Settings: tensors up to 32 MiB come from the heap, and
 * up to 1 GiB of free heap is kept. What is kept goes back to the system every {@link #RELEASE_INTERVAL}
 * ({@link #releaseIfDue}), as jemalloc returns pages left unused: without that, a service's resident memory
 * grew by the free memory it kept (measured: train-service 2,033 MB, 1,248 MB once released). Linux with glibc
 * only; elsewhere nothing changes.
 */
public final class NativeAllocator {
    private static final Logger LOG = Logger.getLogger(NativeAllocator.class.getName());
    // mallopt parameters, from glibc's malloc.h.
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static final AtomicBoolean CONFIGURED = new AtomicBoolean();
    /**
     * How long free memory is kept before {@link #releaseIfDue} gives it back. Not shorter: the working set faults
     * back in after every release (train-service's steps took 214 ms with a release every 10 s, 176 ms without).
     */
    public static final Duration RELEASE_INTERVAL = Duration.ofSeconds(60);
    private static final AtomicLong LAST_RELEASE = new AtomicLong(System.nanoTime());
    private static volatile boolean glibc = true;

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
            glibc = false;
            LOG.log(Level.FINE, "no glibc mallopt: allocator settings unchanged", e);
        }
    }

    /**
     * Whether {@link #RELEASE_INTERVAL} has passed since memory was last given back; cheap, so work loops can ask
     * after every task.
     */
    public static boolean releaseDue() {
        return glibc && CONFIGURED.get() && System.nanoTime() - LAST_RELEASE.get() >= RELEASE_INTERVAL.toNanos();
    }

    /**
     * Gives the free memory of every C heap arena back to the system if {@link #releaseDue}: one caller of many
     * does it. Safe from any thread.
     */
    public static void releaseIfDue() {
        long last = LAST_RELEASE.get();
        if (releaseDue() && LAST_RELEASE.compareAndSet(last, System.nanoTime())) {
            trim();
        }
    }

    /**
     * Gives the free memory of every C heap arena back to the system now (glibc's {@code malloc_trim}); the next
     * tensors fault their pages in afresh once.
     */
    public static void release() {
        LAST_RELEASE.set(System.nanoTime());
        trim();
    }

    private static void trim() {
        if (!glibc) {
            return;
        }
        try {
            Function.getFunction("c", "malloc_trim").invokeInt(new Object[] {0L});
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            glibc = false;
            LOG.log(Level.FINE, "no glibc malloc_trim: free memory stays with the process", e);
        }
    }
}
