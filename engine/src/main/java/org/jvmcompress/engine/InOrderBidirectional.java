package org.jvmcompress.engine;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.lang.reflect.Field;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.recurrent.BidirectionalLayer;
import org.deeplearning4j.nn.params.BidirectionalParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's Bidirectional wrapper (concatenating, channels-first) without reversing sequences, for LSTMs on oneDNN:
 * DL4J hands its backward LSTM the input reversed in time and reverses that LSTM's output, the gradient it gets and
 * the gradient it gives back (strided copies of [batch, channels, time] arrays, about a seventh of the BiLSTM
 * teacher's training step); here the backward LSTM's helper runs right to left on the sequence as it is
 * ({@link OneDnnLstmHelper#reversed}), which gives the same numbers in the order they are used. With a mask (the
 * helper runs only unmasked sequences) it does what DL4J does. Same configuration and parameters, so networks and
 * files do not change; {@link #install} swaps the layer objects of a network in place.
 */
public final class InOrderBidirectional extends BidirectionalLayer {
    private final Layer fwd;
    private final Layer bwd;
    private final OneDnnLstmHelper bwdHelper;
    private final Bidirectional conf;

    private InOrderBidirectional(BidirectionalLayer old, Layer fwd, Layer bwd, OneDnnLstmHelper bwdHelper) {
        super(old.conf(), fwd, bwd, old.params());
        this.fwd = fwd;
        this.bwd = bwd;
        this.bwdHelper = bwdHelper;
        this.conf = (Bidirectional) old.conf().getLayer();
        if (old.getGradientsViewArray() != null) { // else DL4J sets it on this layer when it first trains
            setBackpropGradientsViewArray(old.getGradientsViewArray());
        }
        setIndex(old.getIndex());
        setListeners(old.getListeners());
    }

    private static Layer side(BidirectionalLayer l, String name) throws ReflectiveOperationException {
        Field f = BidirectionalLayer.class.getDeclaredField(name);
        f.setAccessible(true);
        return (Layer) f.get(l);
    }

    /**
     * Replaces every concatenating, channels-first Bidirectional layer whose LSTMs both run on oneDNN (after
     * {@link OneDnnLstmHelper#install}); returns how many.
     */
    public static int install(ComputationGraph g) {
        int count = 0;
        for (GraphVertex v : g.getVertices()) {
            if (!(v instanceof LayerVertex lv) || lv.getLayer() == null
                    || lv.getLayer().getClass() != BidirectionalLayer.class) {
                continue;
            }
            BidirectionalLayer old = (BidirectionalLayer) lv.getLayer();
            Bidirectional c = (Bidirectional) old.conf().getLayer();
            if (c.getMode() != Bidirectional.Mode.CONCAT || c.getRNNDataFormat() != RNNFormat.NCW) {
                continue;
            }
            try {
                Layer f = side(old, "fwd");
                Layer b = side(old, "bwd");
                OneDnnLstmHelper hf = OneDnnLstmHelper.of(f);
                OneDnnLstmHelper hb = OneDnnLstmHelper.of(b);
                if (hf == null || hb == null) {
                    continue;
                }
                InOrderBidirectional fast = new InOrderBidirectional(old, f, b, hb);
                Field field = LayerVertex.class.getDeclaredField("layer");
                field.setAccessible(true);
                field.set(lv, fast);
                Layer[] layers = g.getLayers();
                for (int i = 0; i < layers.length; i++) {
                    if (layers[i] == old) {
                        layers[i] = fast;
                    }
                }
                count++;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("DL4J's Bidirectional layer changed: " + e, e);
            }
        }
        return count;
    }

    private boolean inOrder() {
        return fwd.getMaskArray() == null;
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        if (!inOrder()) {
            super.setInput(input, workspaceMgr); // the backward half gets the input reversed, as in DL4J
            return;
        }
        try {
            INPUT.set(this, input);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DL4J's Bidirectional layer changed: " + e, e);
        }
        fwd.setInput(input, workspaceMgr);
        bwd.setInput(input, workspaceMgr);
    }

    private static final Field INPUT;

    static {
        try {
            INPUT = BidirectionalLayer.class.getDeclaredField("input");
            INPUT.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        bwdHelper.reversed(inOrder());
        if (!inOrder()) {
            return super.activate(training, workspaceMgr);
        }
        INDArray out1 = fwd.activate(training, workspaceMgr);
        INDArray out2 = bwd.activate(training, workspaceMgr);
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, Nd4j.concat(1, out1, out2));
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        bwdHelper.reversed(inOrder());
        if (!inOrder()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        long n = epsilon.size(1) / 2;
        Pair<Gradient, INDArray> g1 = fwd.backpropGradient(epsilon.get(all(), interval(0, n), all()), workspaceMgr);
        Pair<Gradient, INDArray> g2 = bwd.backpropGradient(epsilon.get(all(), interval(n, 2 * n), all()),
                workspaceMgr);
        Gradient g = new DefaultGradient(getGradientsViewArray());
        for (Map.Entry<String, INDArray> e : g1.getFirst().gradientForVariable().entrySet()) {
            g.gradientForVariable().put(BidirectionalParamInitializer.FORWARD_PREFIX + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, INDArray> e : g2.getFirst().gradientForVariable().entrySet()) {
            g.gradientForVariable().put(BidirectionalParamInitializer.BACKWARD_PREFIX + e.getKey(), e.getValue());
        }
        return new Pair<>(g, g1.getRight().addi(g2.getRight()));
    }
}
