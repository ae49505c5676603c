package dev.distill.core.model;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one thread that creates a model and runs everything on it. The PyTorch engine keeps per-thread state (its
 * OpenMP thread team among it) and the C allocator keeps freed memory per thread (one arena each): work hopping
 * between pool threads costs a thread team and a working set of memory per thread. Once the process's models have
 * been idle for a while, the thread gives the memory the engines freed back to the system
 * ({@link NativeAllocator#releaseIfIdle}); a busy model keeps its working set.
 */
public final class ModelThread implements AutoCloseable {
    private final ScheduledThreadPoolExecutor executor;
    private final Duration idleBeforeRelease;
    /** Whether a release check is scheduled: at most one is. */
    private final AtomicBoolean releaseCheckPending = new AtomicBoolean();

    public ModelThread(String name) {
        this(name, NativeAllocator.IDLE_BEFORE_RELEASE);
    }

    ModelThread(String name, Duration idleBeforeRelease) {
        this.idleBeforeRelease = idleBeforeRelease;
        this.executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, name + "-model");
            thread.setDaemon(true);
            return thread;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Runs the work on the model thread and waits for it; its exceptions reach the caller unwrapped. */
    public <T> T call(Callable<T> work) {
        Future<T> result = executor.submit(() -> {
            try {
                return work.call();
            } finally {
                NativeAllocator.workDone();
            }
        });
        try {
            T value = result.get();
            scheduleReleaseCheck(idleBeforeRelease.toNanos());
            return value;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            result.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the model thread", e);
        }
    }

    private void scheduleReleaseCheck(long delayNanos) {
        if (releaseCheckPending.compareAndSet(false, true)) {
            try {
                executor.schedule(this::releaseIfIdle, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                // the thread is closing: its memory goes with the models
            }
        }
    }

    /** Runs on the model thread, so no work of this model runs during a release; chases the last work until idle. */
    private void releaseIfIdle() {
        releaseCheckPending.set(false);
        long wait = NativeAllocator.releaseIfIdle(idleBeforeRelease);
        if (wait > 0) {
            scheduleReleaseCheck(wait);
        }
    }

    /** Runs the work on the model thread and waits for it. */
    public void run(Runnable work) {
        call(() -> {
            work.run();
            return null;
        });
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
