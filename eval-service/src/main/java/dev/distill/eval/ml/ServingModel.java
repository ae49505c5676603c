package dev.distill.eval.ml;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.eval.config.EvalConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The promoted student, answering {@code /predict}. Requests queue for one serving thread, which runs them in micro
 * batches: it takes what has arrived (waiting up to {@code eval.predict-max-wait-ms} for more), up to
 * {@code eval.predict-batch-size} texts, and runs them together; what arrives meanwhile makes the next batch. A new
 * student is loaded beside the serving one and handed over between batches, so every batch is answered whole by one
 * student and no request fails over a switch.
 */
@Startup
@ApplicationScoped
public class ServingModel {
    private static final Logger LOG = Logger.getLogger(ServingModel.class);
    private static final long IDLE_POLL_MILLIS = 100;

    private final EvalConfig config;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    /** A loaded student waiting to take over at the next batch. */
    private final AtomicReference<Student> next = new AtomicReference<>();
    private final ExecutorService loader = Executors.newSingleThreadExecutor(runnable -> daemon(runnable,
            "serving-loader"));
    private final Thread worker;
    /** The serving student; read and replaced on the serving thread only. */
    private Student current;
    /** Whether a student serves or is about to: requests before the first promotion fail at once. */
    private volatile boolean available;
    /** Whether any student has loaded: until one has, a failed load leaves nothing to wait for. */
    private volatile boolean loadedOnce;
    private volatile boolean running = true;

    /** The class and its probability for each text, and the checkpoint that answered. */
    public record Answer(String checkpointId, List<Prediction> predictions) {
    }

    /** @param probabilities softmax of the logits, by class name in class order */
    public record Prediction(String label, Map<String, Double> probabilities) {
    }

    /** No checkpoint has been promoted yet. */
    public static class NotServingException extends RuntimeException {
        NotServingException() {
            super("no checkpoint is promoted yet, so there is no student to answer; predictions start with the "
                    + "first promotion");
        }
    }

    private record Request(List<String> texts, CompletableFuture<Answer> answer) {
    }

    private record Student(String checkpointId, TextClassifier classifier,
            Predictor<List<String>, float[][]> predictor) implements AutoCloseable {
        @Override
        public void close() {
            predictor.close();
            classifier.close();
        }
    }

    public ServingModel(EvalConfig config) {
        this.config = config;
        if (config.predictBatchSize() < 1 || config.predictMaxWaitMs() < 0) {
            throw new IllegalArgumentException("eval.predict-batch-size must be at least 1 and "
                    + "eval.predict-max-wait-ms at least 0, got " + config.predictBatchSize() + " and "
                    + config.predictMaxWaitMs());
        }
        this.worker = daemon(this::serve, "serving");
        worker.start();
    }

    /**
     * Loads the checkpoint (in the background) and hands requests over to it once loaded. A checkpoint that does not
     * load is logged and the serving student stays.
     *
     * @param path the checkpoint directory inside {@code eval.checkpoint-dir}, as promotions record it
     */
    public void switchTo(String checkpointId, String path) {
        available = true;
        loader.execute(() -> {
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
            } catch (RuntimeException e) {
                available = loadedOnce;
                LOG.errorf("checkpoint %s cannot serve /predict, %s: %s", checkpointId,
                        loadedOnce ? "the previous student keeps serving" : "so no student serves", e.getMessage());
            }
        });
    }

    /** Queues texts for the serving student; the answer fails with {@link NotServingException} before a promotion. */
    public CompletableFuture<Answer> predict(List<String> texts) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        if (!available) {
            answer.completeExceptionally(new NotServingException());
        } else {
            queue.add(new Request(List.copyOf(texts), answer));
        }
        return answer;
    }

    private void serve() {
        while (running) {
            try {
                Request first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                takeOverNext();
                if (first != null) {
                    answer(collectBatch(first));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("the serving thread hit an unexpected error", e);
            }
        }
    }

    /** The first request and whatever arrives within the wait, up to the batch size in texts. */
    private List<Request> collectBatch(Request first) throws InterruptedException {
        List<Request> batch = new ArrayList<>(List.of(first));
        int texts = first.texts().size();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.predictMaxWaitMs());
        while (texts < config.predictBatchSize()) {
            Request more = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (more == null) {
                break;
            }
            batch.add(more);
            texts += more.texts().size();
        }
        return batch;
    }

    private void takeOverNext() {
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

    private void answer(List<Request> batch) {
        if (current == null) {
            // promoted, but the first student is still loading: wait for it rather than fail
            Student loaded = awaitFirstStudent();
            if (loaded == null) {
                batch.forEach(request -> request.answer().completeExceptionally(new NotServingException()));
                return;
            }
        }
        List<String> texts = batch.stream().flatMap(request -> request.texts().stream()).toList();
        try {
            List<Prediction> predictions = new ArrayList<>(texts.size());
            for (int from = 0; from < texts.size(); from += config.predictBatchSize()) {
                float[][] logits = current.predictor().predict(texts.subList(from,
                        Math.min(texts.size(), from + config.predictBatchSize())));
                for (float[] row : logits) {
                    predictions.add(prediction(current.classifier().labels(), row));
                }
            }
            int from = 0;
            for (Request request : batch) {
                int to = from + request.texts().size();
                request.answer().complete(new Answer(current.checkpointId(), predictions.subList(from, to)));
                from = to;
            }
        } catch (TranslateException | RuntimeException e) {
            batch.forEach(request -> request.answer().completeExceptionally(e));
        }
    }

    /** Waits (a bounded time) for the first promoted student to load; null if none did. */
    private Student awaitFirstStudent() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (current == null && System.nanoTime() < deadline && running) {
            takeOverNext();
            if (current == null) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
        return current;
    }

    private static Prediction prediction(List<String> labels, float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double[] exp = new double[logits.length];
        double sum = 0;
        int best = 0;
        for (int i = 0; i < logits.length; i++) {
            exp[i] = Math.exp(logits[i] - max);
            sum += exp[i];
            best = logits[i] > logits[best] ? i : best;
        }
        Map<String, Double> probabilities = new LinkedHashMap<>();
        for (int i = 0; i < logits.length; i++) {
            probabilities.put(labels.get(i), exp[i] / sum);
        }
        return new Prediction(labels.get(best), probabilities);
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    @PreDestroy
    void close() {
        running = false;
        loader.shutdownNow();
        try {
            worker.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.forEach(request -> request.answer().completeExceptionally(new NotServingException()));
        for (Student student : new Student[] {current, next.getAndSet(null)}) {
            if (student != null) {
                student.close();
            }
        }
    }
}
