package org.jvmcompress.core.model;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What the suite reads off a DL4J network wherever it uses one: its class output and its parameter count. */
public final class Networks {
    private Networks() {}

    /**
     * The class probabilities of a network: its only output, or, for a network with extra outputs (a student with
     * knowledge heads during distillation), the output named "output".
     */
    public static INDArray classOutput(ComputationGraph g, INDArray features) {
        if (g.getNumOutputArrays() == 1) {
            return g.outputSingle(false, features);
        }
        int i = g.getConfiguration().getNetworkOutputs().indexOf("output");
        return g.output(false, features)[Math.max(0, i)];
    }


    /**
     * Trainable parameters: every parameter except batch-normalisation running statistics (which DL4J keeps as
     * parameters but PyTorch and Keras keep as buffers), so counts compare across frameworks.
     */
    public static long trainableParams(ComputationGraph g) {
        long n = 0;
        for (Layer l : g.getLayers()) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                boolean bnStat = l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization
                        && (e.getKey().equals("mean") || e.getKey().equals("var") || e.getKey().equals("log10stdev"));
                if (!bnStat) {
                    n += e.getValue().length();
                }
            }
        }
        return n;
    }
}
