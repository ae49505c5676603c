package dev.distill.core.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's parameters as they were at one step, copied to host memory of their own: a checkpoint is written from it
 * on another thread while training goes on (a copy takes tens of milliseconds, the write hundreds). Closing it frees
 * the copy.
 */
public final class ParameterSnapshot implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> arrays;

    private ParameterSnapshot(NDManager manager, Map<String, NDArray> arrays) {
        this.manager = manager;
        this.arrays = arrays;
    }

    /**
     * Copies the parameters, in the map's order. Run it where the parameters are updated (the model's thread, with
     * autograd off), so that no step is half applied in the copy.
     */
    public static ParameterSnapshot of(Map<String, Parameter> parameters) {
        NDManager manager = parameters.values().iterator().next().getArray().getManager().getEngine()
                .newBaseManager(Device.cpu());
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        try {
            parameters.forEach((name, parameter) -> {
                NDArray array = parameter.getArray();
                // a move to the device it is on already would be no copy at all
                NDArray copy = Device.cpu().equals(array.getDevice()) ? array.duplicate()
                        : array.toDevice(Device.cpu(), false);
                copy.attach(manager);
                arrays.put(name, copy);
            });
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        return new ParameterSnapshot(manager, arrays);
    }

    /** Writes the copied parameters as a checkpoint ({@link Checkpoints#write}); safe to call again if it failed. */
    public Path writeCheckpoint(Path root, CheckpointManifest manifest, List<String> appliedExampleIds) {
        return Checkpoints.write(root, manifest, arrays, appliedExampleIds);
    }

    @Override
    public void close() {
        manager.close();
    }
}
