package org.jvmcompress.engine;

import java.lang.reflect.Field;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.pooling.GlobalPoolingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.jvmcompress.core.util.Matrices;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's global max pooling over time with a faster backward pass, for training: the gradient goes to each
 * (example, channel)'s first maximum found by one argmax, written into a zeroed array. DL4J's own pass copies the
 * [batch, channels, time] input, marks the maxima with an {@code IsMax} op, multiplies by the broadcast gradient and
 * copies the result into its workspace: about a fifth of the BiLSTM teacher's training step. Same configuration, so
 * networks and files do not change; {@link #install} swaps the layer objects of a network in place. Anything but
 * unmasked max pooling of [batch, channels, time] float input goes to DL4J's pass.
 */
public final class FastGlobalMaxPooling extends GlobalPoolingLayer {
    FastGlobalMaxPooling(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Replaces every global max-pooling layer of the network; returns how many. */
    public static int install(ComputationGraph g) {
        int n = 0;
        for (GraphVertex v : g.getVertices()) {
            if (v instanceof LayerVertex lv && lv.getLayer() != null && lv.getLayer().getClass() == GlobalPoolingLayer.class
                    && ((org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer) lv.getLayer().conf().getLayer())
                    .getPoolingType() == PoolingType.MAX) {
                Layer old = lv.getLayer();
                FastGlobalMaxPooling f = new FastGlobalMaxPooling(old.conf(), g.getConfiguration().getDataType());
                f.setIndex(old.getIndex());
                f.setListeners(old.getListeners());
                try {
                    Field field = LayerVertex.class.getDeclaredField("layer");
                    field.setAccessible(true);
                    field.set(lv, f);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("DL4J's LayerVertex changed: " + e, e);
                }
                Layer[] layers = g.getLayers();
                for (int i = 0; i < layers.length; i++) {
                    if (layers[i] == old) {
                        layers[i] = f;
                    }
                }
                n++;
            }
        }
        return n;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer c = layerConf();
        if (maskArray != null || input == null || input.rank() != 3 || input.dataType() != DataType.FLOAT
                || c.getPoolingDimensions() != null && !java.util.Arrays.equals(c.getPoolingDimensions(), new int[] {2})) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        int n = (int) input.size(0);
        int ch = (int) input.size(1);
        int t = (int) input.size(2);
        float[] eps = Matrices.floats(epsilon.reshape(epsilon.ordering(), n, ch));
        INDArray argmax = Nd4j.argMax(input, 2); // [n, ch]: the first maximum over time
        double[] at = Matrices.doubles(argmax.reshape(n, ch));
        INDArray out = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, new long[] {n, ch, t}, 'c');
        FloatPointer p = new FloatPointer(out.data().addressPointer()).position(0).capacity((long) n * ch * t);
        for (int i = 0; i < n * ch; i++) {
            p.put((long) i * t + (long) at[i], eps[i]);
        }
        return new Pair<>(new DefaultGradient(), out);
    }
}
