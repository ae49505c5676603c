package dev.distill.local;

import dev.distill.core.checkpoint.CheckpointException;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.StudentSizing;
import dev.distill.core.training.TrainingSettings;
import dev.distill.local.launch.TrainServiceSettings;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code bin/prune-student}: a checkpoint cut down to fewer attention heads and feed-forward neurons per layer by
 * importance ({@link StudentPruning}), measured with the cross-entropy of gold labels; the pruned checkpoint then
 * recovers by distillation ({@code train.init-from=} it).
 */
public final class PruneStudent {
    private static final String USAGE = """
            usage: bin/prune-student CHECKPOINT --out DIR [--heads N] [--neurons N] [--data FILE] [--batches 64]
                                     [--tokenizer FILE]
              CHECKPOINT    a checkpoint directory (step-...)
              --out DIR     where the pruned checkpoint is written (a step-... directory inside DIR)
              --heads N     attention heads kept in every layer; default half of them
              --neurons N   feed-forward neurons kept in every layer; default the most that keeps at most half of
                            the non-embedding parameters
              --data FILE   labelled TSV (sentence<TAB>label) the importance is measured on; default
                            data/sst2/train.tsv
              --batches N   batches of 32 examples for the importance
              --tokenizer FILE  the run's tokenizer.json; default data/vocab/tokenizer.json
            """;

    private PruneStudent() {
    }

    public static void main(String[] args) {
        Path project = Project.dir();
        Map<String, String> options = new HashMap<>();
        Path checkpoint = null;
        try {
            for (int i = 0; i < args.length; i++) {
                if (args[i].startsWith("--")) {
                    if (!USAGE.contains("[" + args[i] + " ") && !args[i].equals("--out")) {
                        throw new IllegalArgumentException("unknown option " + args[i]);
                    }
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(args[i] + " needs a value");
                    }
                    options.put(args[i].substring(2), args[++i]);
                } else if (checkpoint == null) {
                    checkpoint = Path.of(args[i]);
                } else {
                    throw new IllegalArgumentException("unexpected argument " + args[i]);
                }
            }
            if (checkpoint == null || !options.containsKey("out")) {
                throw new IllegalArgumentException("give a checkpoint and --out DIR");
            }
            run(project, checkpoint, options);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        } catch (CheckpointException | UncheckedIOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Prunes the checkpoint as the options say; returns the pruned checkpoint. */
    static Path run(Path project, Path checkpoint, Map<String, String> options) {
        ModelConfig size = Checkpoints.readManifest(checkpoint).model();
        int heads = number(options, "heads", Math.max(1, size.heads() / 2));
        if (heads < 1 || heads > size.heads()) {
            throw new IllegalArgumentException("cannot keep " + heads + " of " + size.heads() + " heads per layer");
        }
        int neurons = number(options, "neurons", StudentSizing.halfAfterPruning(size, heads));
        int batches = number(options, "batches", 64);
        Path data = Path.of(options.getOrDefault("data", project.resolve("data/sst2/train.tsv").toString()));
        Path tokenizer = Path.of(options.getOrDefault("tokenizer",
                Project.tokenizer(project).toString()));
        var examples = OfflineTraining.goldOnly(LabeledTsv.read(data, new LabelSet(size.labels()),
                batches * OfflineTraining.BATCH_SIZE));
        System.out.printf("measuring head and neuron importance on %,d examples of %s%n", examples.size(), data);
        Path pruned = StudentPruning.prune(checkpoint, examples, TrainingSettings.constantRate(1f, 1f, 1e-4f, 42),
                batches, heads, neurons, tokenizer, Path.of(options.get("out")), "pruned");
        ModelConfig prunedSize = Checkpoints.readManifest(pruned).model();
        System.out.printf("pruned: %d of %d heads and %d of %d feed-forward neurons per layer; non-embedding "
                        + "parameters %,d -> %,d%n", heads, size.heads(), neurons, size.intermediateSize(),
                new BertClassifier(size).parameterCount().nonEmbedding(),
                new BertClassifier(prunedSize).parameterCount().nonEmbedding());
        System.out.println("pruned checkpoint: " + pruned.toAbsolutePath());
        System.out.println("recover it by distillation: " + TrainServiceSettings.INIT_FROM + "="
                + pruned.toAbsolutePath());
        return pruned;
    }

    private static int number(Map<String, String> options, String name, int fallback) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a whole number, got " + value);
        }
    }
}
