package dev.distill.eval.ml;

import ai.djl.translate.TranslateException;
import dev.distill.eval.config.EvalConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
    private final StudentHandover students;
    private final Thread worker;
    private volatile boolean running = true;

    /** The class and its probability for each text, and the checkpoint that answered. */
    public record Answer(String checkpointId, List<Prediction> predictions) {
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

    public ServingModel(EvalConfig config) {
        this.config = config;
        if (config.predictBatchSize() < 1 || config.predictMaxWaitMs() < 0) {
            throw new IllegalArgumentException("eval.predict-batch-size must be at least 1 and "
                    + "eval.predict-max-wait-ms at least 0, got " + config.predictBatchSize() + " and "
                    + config.predictMaxWaitMs());
        }
        this.students = new StudentHandover(config);
        this.worker = new Thread(this::serve, "serving");
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Loads the checkpoint (in the background) and hands requests over to it once loaded. A checkpoint that does not
     * load is logged and the serving student stays.
     *
     * @param path the checkpoint directory inside {@code eval.checkpoint-dir}, as promotions record it
     * @return completes with true once the checkpoint answers the next batch, false if it did not load
     */
    public CompletableFuture<Boolean> switchTo(String checkpointId, String path) {
        return students.switchTo(checkpointId, path);
    }

    /** Queues texts for the serving student; the answer fails with {@link NotServingException} before a promotion. */
    public CompletableFuture<Answer> predict(List<String> texts) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        if (!students.available()) {
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
                students.takeOver();
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

    private void answer(List<Request> batch) {
        // promoted, but the first student may still be loading: wait for it rather than fail
        StudentHandover.Student current;
        try {
            current = students.serving();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            current = null;
        }
        if (current == null) {
            batch.forEach(request -> request.answer().completeExceptionally(new NotServingException()));
            return;
        }
        List<String> texts = batch.stream().flatMap(request -> request.texts().stream()).toList();
        try {
            List<Prediction> predictions = new ArrayList<>(texts.size());
            for (int from = 0; from < texts.size(); from += config.predictBatchSize()) {
                float[][] logits = current.predictor().predict(texts.subList(from,
                        Math.min(texts.size(), from + config.predictBatchSize())));
                for (float[] row : logits) {
                    predictions.add(Prediction.of(current.classifier().labels(), row));
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

    @PreDestroy
    void close() {
        running = false;
        try {
            worker.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.forEach(request -> request.answer().completeExceptionally(new NotServingException()));
        students.close();
    }
}
