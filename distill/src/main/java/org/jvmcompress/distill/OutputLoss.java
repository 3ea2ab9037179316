package org.jvmcompress.distill;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.distill.loss.DistillationLossFunction;
import org.jvmcompress.distill.loss.LogitLosses;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/** Swaps the loss function of a network's output layer, in the running layer and in the saved configuration. */
public final class OutputLoss {
    private OutputLoss() {}

    public static ComputationGraph set(ComputationGraph g, ILossFunction loss) {
        String out = g.getConfiguration().getNetworkOutputs().get(0);
        GraphVertex v = g.getConfiguration().getVertices().get(out);
        if (!(v instanceof LayerVertex lv) || !(lv.getLayerConf().getLayer() instanceof BaseOutputLayer confLayer)) {
            throw new CompressionException("the student's output '" + out + "' is not an output layer with a loss");
        }
        if (loss instanceof DistillationLossFunction d) {
            LogitLosses.checkClasses(d.getLoss(), confLayer.getNOut());
        }
        confLayer.setLossFn(loss);
        org.deeplearning4j.nn.conf.layers.Layer running = g.getLayer(out).conf().getLayer();
        if (running instanceof BaseOutputLayer r && r != confLayer) {
            r.setLossFn(loss);
        }
        return g;
    }
}
