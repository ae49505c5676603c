package dev.distill.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.export.StudentExport;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.Topics;
import dev.distill.embedded.EmbeddedStack;
import dev.distill.local.OfflineTraining;
import dev.distill.local.Project;
import dev.distill.local.bench.Interleaved.Side;
import dev.distill.local.bench.ServiceComparison.Repetition;
import dev.distill.local.launch.ServiceProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * This project's engine paths against what a user would run instead, in one run on the same CPU and threads: teacher
 * inference and student training in plain PyTorch ({@code bench/python/pytorch_peer.py}, skipped with a message
 * where the given Python has no PyTorch 2), the bare DJL loops on PyTorch and ONNX Runtime, the services around them,
 * the whole streaming run against an offline PyTorch distillation script, and the services' resident memory over a
 * long stream of the real models. Every side sees the same models (identical weights, exported as Hugging Face
 * directories for PyTorch) and the same length-ordered batches of SST-2 sentences (identical token ids); repetitions
 * interleave the sides and are reduced to medians with their spread.
 */
public final class PeerBenchmark {
    static final String USAGE = """
            usage: bench/peers [--python python3] [--repetitions 5] [--examples 4096] [--batch-size 32]
                               [--max-length 64] [--poll-examples 1024] [--teacher-size 384,12,12]
                               [--student-size 384,4,12] [--small-teacher-size 256,4,4] [--small-student-size 64,2,2]
                               [--parts engines,services,streaming,memory] [--memory-examples 100000]
                               [--memory-warm-up 30% of memory-examples] [--out DIR]
            """;
    private static final List<String> PARTS = List.of("engines", "services", "streaming", "memory");
    private static final String PYTORCH = "plain PyTorch";

    private final BenchmarkOptions options;
    private final PrintStream out;
    private final Path project;
    private final Path tokenizer;
    private final EngineLoops engines;

    PeerBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.project = options.project();
        this.tokenizer = Project.tokenizer(project);
        this.engines = new EngineLoops(tokenizer);
    }

    public static void main(String[] args) {
        BenchmarkOptions.main(args, USAGE, options -> new PeerBenchmark(options, System.out).run());
    }

    /** One pair of models, the batches they run on and their files for every side. */
    record ModelPair(String name, ModelConfig teacher, ModelConfig student, Path teacherCheckpoint,
            Path teacherDirectory, Path studentDirectory, Path batchFile) {
        String description() {
            return name + ": teacher " + teacher.layers() + "x" + teacher.hiddenSize() + ", student "
                    + student.layers() + "x" + student.hiddenSize();
        }
    }

    Map<String, Object> run() {
        long started = System.nanoTime();
        Path outDir = options.outDir("peers");
        int repetitions = options.intOption("repetitions", 5);
        int batchSize = options.intOption("batch-size", 32);
        int maxLength = options.intOption("max-length", 64);
        int pollExamples = options.intOption("poll-examples", 1024);
        Path trainFile = project.resolve("data/sst2/train.tsv");
        List<LabeledText> rows = LabeledTsv.read(trainFile, LabelSet.of(trainFile), 0);
        List<SoftLabel> labels = TrainingBenchmark.syntheticSoftLabels(rows.subList(0, Math.min(rows.size(),
                options.intOption("examples", 4096))));
        LabellingBenchmark labelling = new LabellingBenchmark(out, project, tokenizer, pollExamples, "onnx-runtime");
        List<List<SoftLabel>> batches = labelling.polledBatches(labels, label -> label.text().length(), batchSize);
        int threads = Runtime.getRuntime().availableProcessors();
        Map<String, Object> settings = new LinkedHashMap<>(Map.of("examples", labels.size(), "batchSize", batchSize,
                "maxLength", maxLength, "pollExamples", pollExamples, "repetitions", repetitions, "threads", threads,
                "distillation", "alpha 0.5, T 2, Adam 1e-3"));
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("settings", settings);
        ModelPair real = modelPair(outDir.resolve("real"), "real", options.sizeOption("teacher-size", "384,12,12",
                maxLength), options.sizeOption("student-size", "384,4,12", maxLength), batches, maxLength);
        ModelPair small = modelPair(outDir.resolve("small"), "small", options.sizeOption("small-teacher-size",
                "256,4,4", maxLength), options.sizeOption("small-student-size", "64,2,2", maxLength), batches,
                maxLength);
        List<String> parts = List.of(options.option("parts", String.join(",", PARTS)).split(","));
        String python = options.option("python", "python3");
        String torch = PytorchPeer.torchVersion(python);
        settings.put("pytorch", torch == null ? "not available" : torch);
        Optional<PytorchPeer> peer = PytorchPeer.start(python, project, threads, outDir.resolve("pytorch-peer.log"));
        if (peer.isEmpty()) {
            out.println("PyTorch rows skipped: " + python + " does not import PyTorch 2 (install a CPU wheel of "
                    + "torch 2.x for it, or name another interpreter with --python)");
        }
        TrainingBenchmark training = new TrainingBenchmark(out, project, tokenizer);
        try {
            if (parts.contains("engines")) {
                results.put("engines", List.of(engineRows(real, batches, peer, repetitions),
                        engineRows(small, batches, peer, repetitions)));
            }
            if (parts.contains("services")) {
                try (EmbeddedStack stack = EmbeddedStack.start(outDir.resolve("services-stack"), Topics.all(), 1)) {
                    results.put("services", serviceRows(real, stack, outDir, labelling, training, batches, peer,
                            repetitions));
                }
            }
            if (parts.contains("streaming")) {
                try (EmbeddedStack stack = EmbeddedStack.start(outDir.resolve("streaming-stack"), Topics.all(), 1)) {
                    results.put("streaming", streamingRows(real, stack, outDir, labelling, training, batches, peer,
                            repetitions));
                }
            }
        } finally {
            peer.ifPresent(PytorchPeer::close);
        }
        if (parts.contains("memory")) {
            int memoryExamples = options.intOption("memory-examples", 100_000);
            results.put("memory", Map.of("models", real.description(), "services",
                    new MemoryBenchmark(out, project, tokenizer, labelling, training).measure(outDir,
                            real.teacherCheckpoint(), real.student(), rows, batchSize, memoryExamples,
                            options.intOption("memory-warm-up", memoryExamples * 3 / 10))));
        }
        results.put("seconds", Math.round((System.nanoTime() - started) / 1e9));
        BenchmarkOptions.writeResults(outDir, results, PeerReport.table(results), out);
        return results;
    }

    /** Teacher inference and student training: plain PyTorch, then the bare DJL loops. */
    private Map<String, Object> engineRows(ModelPair pair, List<List<SoftLabel>> batches,
            Optional<PytorchPeer> peer, int repetitions) {
        out.println("engines, " + pair.description());
        List<List<String>> texts = EngineLoops.texts(batches);
        try (TextClassifier onPytorch = TextClassifier.load(pair.teacherCheckpoint(), tokenizer, Devices.preferred());
                TextClassifier onOnnxRuntime = TextClassifier.loadOnOnnxRuntime(pair.teacherCheckpoint(), tokenizer)) {
            List<Side> sides = new ArrayList<>();
            peer.ifPresent(python -> sides.add(pytorchSide(python, pair, "teacher inference", "infer")));
            sides.add(new Side("DJL on PyTorch", "teacher inference", () -> EngineLoops.inference(onPytorch, texts)));
            sides.add(new Side("DJL on ONNX Runtime", "teacher inference",
                    () -> EngineLoops.inference(onOnnxRuntime, texts)));
            peer.ifPresent(python -> sides.add(pytorchSide(python, pair, "student training", "train")));
            sides.add(new Side("DJL on PyTorch", "student training", () -> engines.training(pair.student(),
                    batches)));
            return Map.of("models", pair.description(), "tasks", Interleaved.measure(sides, 1, repetitions, out));
        }
    }

    /**
     * label-service (teacher on ONNX Runtime) and train-service against their bare loops and plain PyTorch. Each
     * service runs only while its own task is measured: the other would take the same cores (a train-service
     * refuses, and dead-letters, every batch of a teacher it is not pinned to), which no bare loop has to share.
     */
    private Map<String, Object> serviceRows(ModelPair pair, EmbeddedStack stack, Path outDir,
            LabellingBenchmark labelling, TrainingBenchmark training, List<List<SoftLabel>> batches,
            Optional<PytorchPeer> peer, int repetitions) {
        out.println("services, " + pair.description());
        List<List<String>> textBatches = EngineLoops.texts(batches);
        List<String> texts = textBatches.stream().flatMap(List::stream).toList();
        int batchSize = batches.get(0).size();
        // training first: a train-service started after label-service would first refuse its leftover soft labels
        Map<String, Object> trainingTasks;
        try (ServiceProcess train = training.startTrain(stack, outDir.resolve("train"), pair.student(), batchSize,
                TrainingBenchmark.TRAIN_TEACHER_ID)) {
            List<Side> sides = new ArrayList<>();
            peer.ifPresent(python -> sides.add(pytorchSide(python, pair, "student training", "train")));
            sides.add(new Side("bare DJL loop", "student training", () -> engines.training(pair.student(), batches)));
            sides.add(new Side("train-service", "student training",
                    () -> training.serviceRepetition(stack, train, batches)));
            trainingTasks = Interleaved.measure(sides, LabellingBenchmark.WARM_UP_PASSES, repetitions, out);
        }
        try (TextClassifier teacher = labelling.loadTeacher(pair.teacherCheckpoint());
                ServiceProcess label = labelling.startLabel(stack, outDir, pair.teacherCheckpoint(), batchSize,
                        "peers-label")) {
            int[] pass = {0};
            List<Side> sides = new ArrayList<>();
            peer.ifPresent(python -> sides.add(pytorchSide(python, pair, "teacher inference", "infer")));
            sides.add(new Side("bare DJL loop (ONNX Runtime)", "teacher inference",
                    () -> EngineLoops.inference(teacher, textBatches)));
            sides.add(new Side("label-service", "teacher inference",
                    () -> labelling.serviceRepetition(stack, label, texts, "peers-" + pass[0]++)));
            Map<String, Object> tasks = new LinkedHashMap<>(Interleaved.measure(sides,
                    LabellingBenchmark.WARM_UP_PASSES, repetitions, out));
            tasks.putAll(trainingTasks);
            return Map.of("models", pair.description(), "tasks", tasks);
        }
    }

    /** The streaming run (label-service and train-service at once) against an offline PyTorch KD script. */
    private Map<String, Object> streamingRows(ModelPair pair, EmbeddedStack stack, Path outDir,
            LabellingBenchmark labelling, TrainingBenchmark training, List<List<SoftLabel>> batches,
            Optional<PytorchPeer> peer, int repetitions) {
        out.println("streaming, " + pair.description());
        List<String> texts = EngineLoops.texts(batches).stream().flatMap(List::stream).toList();
        int batchSize = batches.get(0).size();
        // both engines waiting passively, train's on every core and label's on half (streamingBesideTraining)
        try (ServiceProcess label = labelling.startLabel(labelling.labelSettings(stack, pair.teacherCheckpoint(),
                batchSize, "streaming-label").streamingBesideTraining(), outDir, "streaming-label");
                ServiceProcess train = training.startTrain(training.trainSettings(stack,
                        outDir.resolve("streaming"), pair.student(), batchSize, null).sharingCores(),
                        outDir.resolve("streaming"))) {
            int[] pass = {0};
            List<Side> sides = new ArrayList<>();
            peer.ifPresent(python -> sides.add(pytorchSide(python, pair, "teacher + student", "kd")));
            sides.add(new Side("streaming services", "teacher + student", () -> {
                long before = TrainingBenchmark.currentProgress(train).get("examplesSeen").asLong();
                long start = System.nanoTime();
                LabellingBenchmark.sendExamples(stack, texts, "stream-" + pass[0]++);
                double throughput = TrainingBenchmark.awaitTrained(train, before, texts.size(), start);
                return new Repetition(throughput, 1e3 * batchSize / throughput);
            }));
            return Map.of("models", pair.description(), "tasks", Interleaved.measure(sides, 1, repetitions, out));
        }
    }

    private static Side pytorchSide(PytorchPeer peer, ModelPair pair, String task, String op) {
        return new Side(PYTORCH, task, () -> {
            peer.setUp(Map.of("teacher", pair.teacherDirectory().toString(),
                    "student", pair.studentDirectory().toString(), "batches", pair.batchFile().toString(),
                    "alpha", EngineLoops.TRAINING.alpha(), "temperature", EngineLoops.TRAINING.temperature(),
                    "lr", EngineLoops.TRAINING.learningRate()));
            JsonNode answer = peer.call(Map.of("op", op));
            return new Repetition(answer.get("examplesPerSecond").asDouble(), answer.get("meanMillis").asDouble());
        });
    }

    /**
     * Untrained checkpoints of the two sizes (the weights' values do not change the arithmetic), their Hugging Face
     * copies and the batches as the project's tokenizer encodes them, for the PyTorch side.
     */
    private ModelPair modelPair(Path dir, String name, ModelConfig teacher, ModelConfig student,
            List<List<SoftLabel>> batches, int maxLength) {
        Path teacherCheckpoint = OfflineTraining.untrained("teacher", teacher, tokenizer, dir.resolve("teacher"));
        Path studentCheckpoint = OfflineTraining.untrained("student", student, tokenizer, dir.resolve("student"));
        List<Map<String, Object>> encoded = new ArrayList<>();
        try (TextTokenizer tokens = TextTokenizer.load(tokenizer, maxLength)) {
            for (List<SoftLabel> batch : batches) {
                TokenizedBatch ids = tokens.encode(batch.stream().map(SoftLabel::text).toList());
                encoded.add(Map.of("ids", ids.inputIds(), "mask", ids.attentionMask(),
                        "gold", batch.stream().map(SoftLabel::label).toList(),
                        "teacherLogits", batch.stream().map(SoftLabel::logits).toList()));
            }
        }
        try {
            StudentExport.export(teacherCheckpoint, tokenizer, dir.resolve("teacher-hf"), Map.of());
            StudentExport.export(studentCheckpoint, tokenizer, dir.resolve("student-hf"), Map.of());
            Files.createDirectories(dir);
            new ObjectMapper().writeValue(dir.resolve("batches.json").toFile(), encoded);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the " + name + " models' files: " + e.getMessage(), e);
        }
        return new ModelPair(name, teacher, student, teacherCheckpoint, dir.resolve("teacher-hf"),
                dir.resolve("student-hf"), dir.resolve("batches.json"));
    }
}
