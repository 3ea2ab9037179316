package org.jvmcompress.core.task;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Json;
import org.nd4j.linalg.dataset.DataSet;

/** Whether a model can be used on a task's data: one input of the data's shape, one output of its class count. */
public final class Compatibility {
    private Compatibility() {}

    /** As {@link #check(ComputationGraph, TaskData, String)}; a model without a DL4J network is probed. */
    public static void check(org.jvmcompress.core.model.LoadedModel m, TaskData d, String what) {
        sameEncoding(m.info(), d, what);
        if (m.graph() != null) {
            check(m.graph(), d, what);
            return;
        }
        DataSet probe = d.test().make(new int[] {0});
        long[] got;
        try {
            got = m.infer(probe.getFeatures()).shape();
        } catch (RuntimeException e) {
            throw new CompressionException(what + " cannot take the " + d.task() + " data's input of shape "
                    + Arrays.toString(d.inputShape()) + " per example: " + Json.firstLine(e.getMessage()), e);
        }
        if (got.length != 2 || got[1] != d.numClasses()) {
            throw new CompressionException(what + " gives output of shape " + Arrays.toString(got) + "; expected [1, "
                    + d.numClasses() + "] (" + d.task() + " has " + d.numClasses() + " classes)");
        }
    }


    /**
     * A text model reads token ids: the same shape from another vocabulary or another cut of the text would run and
     * mean something else (a second teacher trained on other settings, say), so its recorded encoding must be the
     * data's.
     */
    static void sameEncoding(org.jvmcompress.core.model.ModelInfo info, TaskData d, String what) {
        if (info == null || !"tokens".equals(info.input()) || info.vocabulary() == null || d.vocabulary() == null) {
            return;
        }
        if (!info.vocabulary().equals(d.vocabulary())) {
            throw new CompressionException(what + " records another vocabulary (" + info.vocabulary().size()
                    + " tokens) than the data is encoded with (" + d.vocabulary().size() + "); its token ids would mean"
                    + " other words");
        }
        org.jvmcompress.core.data.Vocabulary.Truncation mine =
                org.jvmcompress.core.data.Vocabulary.Truncation.recordedIn(info.preprocessing());
        org.jvmcompress.core.data.Vocabulary.Truncation data =
                org.jvmcompress.core.data.Vocabulary.Truncation.recordedIn(d.preprocessing());
        if (mine != data) {
            throw new CompressionException(what + " was trained on texts cut with truncation " + mine.id
                    + ", but the data is cut with " + data.id + "; it would see other parts of long texts");
        }
    }

    /** Fails with a message naming the mismatch when the model cannot be used on the data. */
    public static void check(ComputationGraph g, TaskData d, String what) {
        if (g.getNumInputArrays() != 1 || g.getNumOutputArrays() != 1) {
            throw new CompressionException(what + " has " + g.getNumInputArrays() + " inputs and "
                    + g.getNumOutputArrays() + " outputs; a classifier with one input and one output is needed");
        }
        String outName = g.getConfiguration().getNetworkOutputs().get(0);
        GraphVertex v = g.getVertex(outName);
        if (v.hasLayer() && v.getLayer().conf().getLayer() instanceof FeedForwardLayer ff) {
            if (ff.getNOut() != d.numClasses()) {
                throw new CompressionException(what + " outputs " + ff.getNOut() + " classes but the " + d.task()
                        + " data has " + d.numClasses() + " (" + String.join(", ", d.labels()) + ")");
            }
            if (!(v.getLayer().conf().getLayer() instanceof BaseOutputLayer)) {
                throw new CompressionException(what + "'s last layer '" + outName + "' is not an output layer");
            }
        }
        DataSet probe = d.test().make(new int[] {0});
        long[] got;
        try {
            got = g.outputSingle(false, probe.getFeatures()).shape();
        } catch (RuntimeException e) {
            throw new CompressionException(what + " cannot take the " + d.task() + " data's input of shape "
                    + Arrays.toString(d.inputShape()) + " per example: " + Json.firstLine(e.getMessage()), e);
        }
        if (got.length != 2 || got[1] != d.numClasses()) {
            throw new CompressionException(what + " gives output of shape " + Arrays.toString(got) + "; expected [1, "
                    + d.numClasses() + "]");
        }
    }
}
