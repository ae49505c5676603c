package dev.distill.local;

import dev.distill.core.checkpoint.CheckpointException;
import dev.distill.core.export.StudentExport;
import dev.distill.core.onnx.OnnxPrecision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@code bin/export-student}: a checkpoint as a Hugging Face directory ({@code transformers} loads it with
 * {@code from_pretrained}) and/or an ONNX model (ONNX Runtime runs it).
 */
public final class ExportStudent {
    private static final String USAGE = """
            usage: bin/export-student CHECKPOINT [--huggingface DIR] [--onnx FILE] [--onnx-int8 FILE] [--tokenizer FILE]
              CHECKPOINT          a checkpoint directory (step-...)
              --huggingface DIR   write config.json, model.safetensors and the tokenizer files into DIR
              --onnx FILE         write an ONNX model (input_ids, attention_mask, token_type_ids -> logits)
              --onnx-int8 FILE    the same with int8 linear weights (dynamic quantisation: ~4x smaller, faster)
              --tokenizer FILE    the run's tokenizer.json; default data/vocab/tokenizer.json
            """;

    private ExportStudent() {
    }

    public static void main(String[] args) {
        Path project = Project.dir();
        Path checkpoint = null;
        Path huggingFace = null;
        Map<OnnxPrecision, Path> onnx = new EnumMap<>(OnnxPrecision.class);
        Path tokenizer = Project.tokenizer(project);
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--huggingface" -> huggingFace = Path.of(value(args, ++i, "--huggingface"));
                    case "--onnx" -> onnx.put(OnnxPrecision.FP32, Path.of(value(args, ++i, "--onnx")));
                    case "--onnx-int8" -> onnx.put(OnnxPrecision.INT8, Path.of(value(args, ++i, "--onnx-int8")));
                    case "--tokenizer" -> tokenizer = Path.of(value(args, ++i, "--tokenizer"));
                    default -> {
                        if (checkpoint != null || args[i].startsWith("--")) {
                            throw new IllegalArgumentException("unexpected argument " + args[i]);
                        }
                        checkpoint = Path.of(args[i]);
                    }
                }
            }
            if (checkpoint == null || (huggingFace == null && onnx.isEmpty())) {
                throw new IllegalArgumentException("give a checkpoint and at least one of --huggingface, --onnx, "
                        + "--onnx-int8");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        try {
            StudentExport.export(checkpoint, tokenizer, huggingFace, onnx);
            if (huggingFace != null) {
                System.out.println("Hugging Face directory: " + huggingFace.toAbsolutePath());
            }
            onnx.forEach((precision, file) -> System.out.println("ONNX model (" + precision.id() + "): "
                    + file.toAbsolutePath()));
        } catch (CheckpointException | IllegalArgumentException | IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }
}
