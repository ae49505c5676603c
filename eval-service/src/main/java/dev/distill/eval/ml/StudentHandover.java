package dev.distill.eval.ml;

import ai.djl.inference.Predictor;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.eval.config.EvalConfig;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Which student answers {@code /predict}: a promoted checkpoint is loaded in the background, beside the serving one,
 * and taken over by the serving thread between batches ({@link #takeOver}), so every batch is answered whole by one
 * student. A checkpoint that does not load is logged and the serving student stays.
 */
final class StudentHandover implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StudentHandover.class);
    /** How long a batch that came before the first student loaded waits for it. */
    private static final long FIRST_LOAD_WAIT_SECONDS = 60;

    private final EvalConfig config;
    /** A loaded student waiting to take over at the next batch. */
    private final AtomicReference<Student> next = new AtomicReference<>();
    private final ExecutorService loader = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "serving-loader");
        thread.setDaemon(true);
        return thread;
    });
    /** The serving student; read and replaced on the serving thread only. */
    private Student current;
    /** Whether a student serves or is about to: requests before the first promotion fail at once. */
    private volatile boolean available;
    /** Whether any student has loaded: until one has, a failed load leaves nothing to wait for. */
    private volatile boolean loadedOnce;

    /** A loaded checkpoint and the predictor the serving thread runs it with. */
    record Student(String checkpointId, TextClassifier classifier,
            Predictor<List<String>, float[][]> predictor) implements AutoCloseable {
        @Override
        public void close() {
            predictor.close();
            classifier.close();
        }
    }

    StudentHandover(EvalConfig config) {
        this.config = config;
    }

    /**
     * @param path the checkpoint directory inside {@code eval.checkpoint-dir}, as promotions record it
     * @return completes with true once the checkpoint is loaded and answers the next batch, false if it did not load
     */
    CompletableFuture<Boolean> switchTo(String checkpointId, String path) {
        available = true;
        return CompletableFuture.supplyAsync(() -> {
            try {
                TextClassifier classifier = TextClassifier.load(Checkpoints.confine(config.checkpointDir(), path),
                        config.tokenizer(), Devices.preferred());
                Student loaded = new Student(checkpointId, classifier, classifier.newPredictor());
                loadedOnce = true;
                Student skipped = next.getAndSet(loaded);
                if (skipped != null) {
                    skipped.close();
                }
                LOG.infof("checkpoint %s loaded for /predict", checkpointId);
                return true;
            } catch (RuntimeException e) {
                available = loadedOnce;
                LOG.errorf("checkpoint %s cannot serve /predict, %s: %s", checkpointId,
                        loadedOnce ? "the previous student keeps serving" : "so no student serves", e.getMessage());
                return false;
            }
        }, loader);
    }

    boolean available() {
        return available;
    }

    /** On the serving thread, between batches: the student loaded last takes over, and the one it replaces closes. */
    void takeOver() {
        Student loaded = next.getAndSet(null);
        if (loaded != null) {
            Student replaced = current;
            current = loaded;
            LOG.infof("/predict is answered by checkpoint %s%s", loaded.checkpointId(),
                    replaced == null ? "" : " (was " + replaced.checkpointId() + ")");
            if (replaced != null) {
                replaced.close();
            }
        }
    }

    /**
     * On the serving thread: the serving student, waiting (a bounded time) for the first one promoted to load;
     * {@code null} if none did.
     */
    Student serving() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(FIRST_LOAD_WAIT_SECONDS);
        while (current == null && System.nanoTime() < deadline && !loader.isShutdown()) {
            takeOver();
            if (current == null) {
                Thread.sleep(20);
            }
        }
        return current;
    }

    @Override
    public void close() {
        loader.shutdownNow();
        for (Student student : new Student[] {current, next.getAndSet(null)}) {
            if (student != null) {
                student.close();
            }
        }
    }
}
