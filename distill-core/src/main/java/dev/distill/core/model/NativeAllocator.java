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
 * up to 1 GiB of free heap is kept. What is kept goes back to the system once the process's models have been idle
 * for {@link #IDLE_BEFORE_RELEASE} ({@link #releaseIfIdle}), as jemalloc returns pages left unused: a quiet service
 * then holds only what it uses (measured: train-service 2,033 MB before, 1,248 MB after). Never while models work:
 * the whole working set faults back in after a release (train-service: 200,000 page faults over the next 10-20 s).
 * Linux with glibc only; elsewhere nothing changes.
 */
public final class NativeAllocator {
    private static final Logger LOG = Logger.getLogger(NativeAllocator.class.getName());
    // mallopt parameters, from glibc's malloc.h.
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static final AtomicBoolean CONFIGURED = new AtomicBoolean();
    /** How long models must have done no work before the free memory they left is given back. */
    public static final Duration IDLE_BEFORE_RELEASE = Duration.ofSeconds(60);
    /** When model work last finished ({@link System#nanoTime}). */
    private static final AtomicLong LAST_WORK = new AtomicLong(System.nanoTime());
    /** Whether models worked since the last release, so that there may be freed memory to give back. */
    private static final AtomicBoolean KEEPING = new AtomicBoolean();
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

    /** Notes that model work just finished: what it freed is kept until models have been idle a while. */
    public static void workDone() {
        LAST_WORK.set(System.nanoTime());
        KEEPING.set(true);
    }

    /**
     * Gives the free memory of every C heap arena back to the system if models have done no work for {@code idle}
     * and worked since the last release. Safe from any thread; cheap when nothing is due.
     *
     * @return nanoseconds until a release could be due, if models worked since the last one (0 when it was just
     *         made); -1 when nothing is kept
     */
    public static long releaseIfIdle(Duration idle) {
        if (!glibc || !CONFIGURED.get() || !KEEPING.get()) {
            return -1;
        }
        long wait = LAST_WORK.get() + idle.toNanos() - System.nanoTime();
        if (wait > 0) {
            return wait;
        }
        if (KEEPING.compareAndSet(true, false)) {
            trim();
        }
        return 0;
    }

    /**
     * Gives the free memory of every C heap arena back to the system now (glibc's {@code malloc_trim}); the next
     * tensors fault their pages in afresh.
     */
    public static void release() {
        KEEPING.set(false);
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
