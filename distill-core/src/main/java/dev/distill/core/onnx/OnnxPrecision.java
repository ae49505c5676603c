package dev.distill.core.onnx;

import dev.distill.core.onnx.proto.Onnx;
import java.util.Locale;

/** How an exported model stores its linear weights. */
public enum OnnxPrecision {
    /** As trained. */
    FP32,
    /** Dynamically quantised ({@link OnnxQuantization#dynamicInt8}): about 4x smaller linear weights. */
    INT8;

    Onnx.ModelProto apply(Onnx.ModelProto model) {
        return this == INT8 ? OnnxQuantization.dynamicInt8(model) : model;
    }

    /** {@code fp32} or {@code int8}, as files, columns and URLs name it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
