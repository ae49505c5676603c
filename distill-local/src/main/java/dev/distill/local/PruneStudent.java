package dev.distill.local;

import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.StudentSizing;
import dev.distill.core.training.TrainingSettings;
import dev.distill.local.launch.TrainServiceSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/prune-student}: a checkpoint cut down to fewer attention heads and feed-forward neurons per layer by
 * importance ({@link StudentPruning}), measured with the cross-entropy of gold labels; the pruned checkpoint then
 * recovers by distillation ({@code train.init-from=} it).
 */
@Command(name = "bin/prune-student", sortOptions = false,
        description = "Prunes a checkpoint to fewer attention heads and feed-forward neurons per layer.")
public final class PruneStudent implements Callable<Integer> {
    @Mixin
    CommandLineTool.Help help;

    @Parameters(paramLabel = "CHECKPOINT", description = "a checkpoint directory (step-...)")
    Path checkpoint;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "where the pruned checkpoint is written (a step-... directory inside DIR)")
    Path out;

    @Option(names = "--heads", paramLabel = "N", description = "attention heads kept in every layer; default half")
    Integer heads;

    @Option(names = "--neurons", paramLabel = "N", description = "feed-forward neurons kept in every layer; default "
            + "the most that keeps at most half of the non-embedding parameters")
    Integer neurons;

    @Option(names = "--data", paramLabel = "FILE", description = "labelled TSV (sentence<TAB>label) the importance "
            + "is measured on; default data/sst2/train.tsv")
    Path data;

    @Option(names = "--batches", paramLabel = "N", defaultValue = "64",
            description = "batches of 32 examples for the importance; default ${DEFAULT-VALUE}")
    int batches;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "the run's tokenizer.json; default " + Project.TOKENIZER)
    Path tokenizer;

    public static void main(String[] args) {
        CommandLineTool.run(new PruneStudent(), args);
    }

    @Override
    public Integer call() {
        prune(Project.dir());
        return 0;
    }

    /** Prunes the checkpoint as the options say, relative paths' defaults under {@code project}; returns the result. */
    Path prune(Path project) {
        ModelConfig size = Checkpoints.readManifest(checkpoint).model();
        int keptHeads = heads == null ? Math.max(1, size.heads() / 2) : heads;
        if (keptHeads < 1 || keptHeads > size.heads()) {
            throw new IllegalArgumentException("cannot keep " + keptHeads + " of " + size.heads() + " heads per layer");
        }
        int keptNeurons = neurons == null ? StudentSizing.halfAfterPruning(size, keptHeads) : neurons;
        Path trainingData = data == null ? project.resolve("data/sst2/train.tsv") : data;
        var examples = OfflineTraining.goldOnly(LabeledTsv.read(trainingData, new LabelSet(size.labels()),
                batches * OfflineTraining.BATCH_SIZE));
        System.out.printf("measuring head and neuron importance on %,d examples of %s%n", examples.size(),
                trainingData);
        Path pruned = StudentPruning.prune(checkpoint, examples, TrainingSettings.constantRate(1f, 1f, 1e-4f, 42),
                batches, keptHeads, keptNeurons, tokenizer == null ? Project.tokenizer(project) : tokenizer, out,
                "pruned");
        ModelConfig prunedSize = Checkpoints.readManifest(pruned).model();
        System.out.printf("pruned: %d of %d heads and %d of %d feed-forward neurons per layer; non-embedding "
                        + "parameters %,d -> %,d%n", keptHeads, size.heads(), keptNeurons, size.intermediateSize(),
                new BertClassifier(size).parameterCount().nonEmbedding(),
                new BertClassifier(prunedSize).parameterCount().nonEmbedding());
        System.out.println("pruned checkpoint: " + pruned.toAbsolutePath());
        System.out.println("recover it by distillation: " + TrainServiceSettings.INIT_FROM + "="
                + pruned.toAbsolutePath());
        return pruned;
    }
}
