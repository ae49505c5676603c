package dev.distill.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Puts named weights (Hugging Face names, see {@code BertClassifier#weights}) into a model's parameters. */
public final class WeightTransfer {

    private WeightTransfer() {
    }

    /**
     * Sets every parameter from the source of the same name and shape: the model is exactly what was saved.
     *
     * @param origin what the weights come from, for messages
     * @throws IllegalArgumentException naming the first parameter that is missing or shaped differently
     */
    public static void assign(Map<String, Parameter> target, Map<String, NDArray> source, String origin) {
        for (Map.Entry<String, Parameter> parameter : target.entrySet()) {
            NDArray value = source.get(parameter.getKey());
            if (value == null) {
                throw new IllegalArgumentException(origin + " has no weight " + parameter.getKey());
            }
            set(parameter.getKey(), parameter.getValue(), value, origin);
        }
    }

    /**
     * Starts a model from another's weights where it has them: each parameter takes {@code sourceFor(name)}, or
     * keeps its initial value where that is {@code null}. A position table may take the first rows of a longer one
     * (a student that reads shorter texts).
     *
     * @return the names of the parameters that kept their initial values
     * @throws IllegalArgumentException when a source weight has another shape
     */
    public static List<String> initialize(Map<String, Parameter> target, Function<String, NDArray> sourceFor,
            String origin) {
        List<String> kept = new ArrayList<>();
        for (Map.Entry<String, Parameter> parameter : target.entrySet()) {
            NDArray value = sourceFor.apply(parameter.getKey());
            if (value == null) {
                kept.add(parameter.getKey());
                continue;
            }
            Shape shape = parameter.getValue().getArray().getShape();
            if (parameter.getKey().equals(BertNames.POSITION_EMBEDDINGS) && value.getShape().dimension() == 2
                    && value.getShape().get(1) == shape.get(1) && value.getShape().get(0) > shape.get(0)) {
                value = value.get("0:" + shape.get(0));
            }
            set(parameter.getKey(), parameter.getValue(), value, origin);
        }
        return kept;
    }

    private static void set(String name, Parameter parameter, NDArray value, String origin) {
        NDArray array = parameter.getArray();
        if (!array.getShape().equals(value.getShape())) {
            throw new IllegalArgumentException("weight " + name + " of " + origin + " has shape " + value.getShape()
                    + ", the model's has " + array.getShape());
        }
        array.set(value.toType(array.getDataType(), false).toFloatArray());
    }
}
