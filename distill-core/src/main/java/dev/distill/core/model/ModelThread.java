package dev.distill.core.model;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * The one thread that creates a model and runs everything on it. The PyTorch engine keeps per-thread state (its
 * OpenMP thread team among it) and the C allocator keeps freed memory per thread (one arena each): work hopping
 * between pool threads costs a thread team and a working set of memory per thread. Between tasks, the thread gives
 * the memory the engines freed back to the system now and then ({@link NativeAllocator#releaseIfDue}).
 */
public final class ModelThread implements AutoCloseable {
    private final ExecutorService executor;

    public ModelThread(String name) {
        this.executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, name + "-model");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs the work on the model thread and waits for it; its exceptions reach the caller unwrapped. */
    public <T> T call(Callable<T> work) {
        Future<T> result = executor.submit(work);
        try {
            T value = result.get();
            releaseFreedMemoryIfDue();
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

    /** Queued behind the work just done, so its caller does not wait for the release. */
    private void releaseFreedMemoryIfDue() {
        if (NativeAllocator.releaseDue()) {
            try {
                executor.execute(NativeAllocator::releaseIfDue);
            } catch (RejectedExecutionException closing) {
                // the thread is closing: its memory goes with the models
            }
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
