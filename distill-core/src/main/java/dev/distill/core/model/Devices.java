package dev.distill.core.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Device choice and the offline settings every process of the project runs DJL with. */
public final class Devices {
    private Devices() {
    }

    /**
     * Keeps DJL from reaching the network (model zoo, telemetry) unless the operator said otherwise, then returns
     * the first GPU when the CUDA build finds one, else the CPU.
     */
    public static Device preferred() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }
}
