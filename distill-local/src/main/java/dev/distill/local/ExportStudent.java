package dev.distill.local;

import dev.distill.core.export.StudentExport;
import dev.distill.core.onnx.OnnxPrecision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/export-student}: a checkpoint as a Hugging Face directory ({@code transformers} loads it with
 * {@code from_pretrained}) and/or an ONNX model (ONNX Runtime runs it).
 */
@Command(name = "bin/export-student", sortOptions = false,
        description = "Exports a checkpoint as a Hugging Face directory and/or an ONNX model.")
public final class ExportStudent implements Callable<Integer> {
    @Mixin
    CommandLineTool.Help help;

    @Parameters(paramLabel = "CHECKPOINT", description = "a checkpoint directory (step-...)")
    Path checkpoint;

    @Option(names = "--huggingface", paramLabel = "DIR",
            description = "write config.json, model.safetensors and the tokenizer files into DIR")
    Path huggingFace;

    @Option(names = "--onnx", paramLabel = "FILE",
            description = "write an ONNX model (input_ids, attention_mask, token_type_ids -> logits)")
    Path onnx;

    @Option(names = "--onnx-int8", paramLabel = "FILE",
            description = "the same with int8 linear weights (dynamic quantisation: ~4x smaller, faster)")
    Path onnxInt8;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "the run's tokenizer.json; default " + Project.TOKENIZER)
    Path tokenizer;

    public static void main(String[] args) {
        CommandLineTool.run(new ExportStudent(), args);
    }

    @Override
    public Integer call() throws IOException {
        Map<OnnxPrecision, Path> onnxFiles = new EnumMap<>(OnnxPrecision.class);
        if (onnx != null) {
            onnxFiles.put(OnnxPrecision.FP32, onnx);
        }
        if (onnxInt8 != null) {
            onnxFiles.put(OnnxPrecision.INT8, onnxInt8);
        }
        if (huggingFace == null && onnxFiles.isEmpty()) {
            throw new IllegalArgumentException("give at least one of --huggingface, --onnx, --onnx-int8");
        }
        StudentExport.export(checkpoint, tokenizer == null ? Project.tokenizer(Project.dir()) : tokenizer,
                huggingFace, onnxFiles);
        if (huggingFace != null) {
            System.out.println("Hugging Face directory: " + huggingFace.toAbsolutePath());
        }
        onnxFiles.forEach((precision, file) -> System.out.println("ONNX model (" + precision.id() + "): "
                + file.toAbsolutePath()));
        return 0;
    }
}
