package org.jvmcompress.core.eval;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.util.Json;
import org.nd4j.linalg.dataset.DataSet;

/** Evaluates a model on a task's test split: the one code path behind {@code evaluate} and every later stage. */
public final class Evaluator {
    /** How much timing to do; {@link #NONE} skips it. */
    public record SpeedSettings(int latencyRuns, int throughputBatch, double throughputSeconds) {
        public static final SpeedSettings DEFAULT = new SpeedSettings(200, 256, 3.0);
        public static final SpeedSettings NONE = new SpeedSettings(0, 0, 0);
    }

    private Evaluator() {}

    /** Fails with a message naming the mismatch when the model cannot be used on the data. */
    /** As {@link #checkCompatible(ComputationGraph, TaskData, String)}; a model without a DL4J network is probed. */
    public static void checkCompatible(org.jvmcompress.core.model.LoadedModel m, TaskData d, String what) {
        if (m.graph() != null) {
            checkCompatible(m.graph(), d, what);
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

    public static void checkCompatible(ComputationGraph g, TaskData d, String what) {
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

    public static EvaluationReport evaluate(LoadedModel m, TaskData d, SpeedSettings speed, LoadedModel compare) {
        checkCompatible(m, d, "model " + m.path());
        Predictions p = Predictions.of(m.inference(), d.test(), 256);
        ClassificationMetrics metrics = ClassificationMetrics.of(p, d.labels());
        Measure.Speed s = null;
        if (speed.latencyRuns() > 0) {
            s = Measure.speed(m.inference(), d.inputShape(), "tokens".equals(d.input()),
                    d.vocabulary() == null ? 0 : d.vocabulary().size(), speed.latencyRuns(), speed.throughputBatch(),
                    speed.throughputSeconds());
        }
        Double agreement = null;
        String comparedWith = null;
        if (compare != null) {
            checkCompatible(compare, d, "model " + compare.path());
            agreement = Predictions.agreement(p, Predictions.of(compare.inference(), d.test(), 256));
            comparedWith = compare.path().toString();
        }
        return new EvaluationReport(m.path().toString(), m.format(), d.task(), "test", metrics,
                m.numParams(), Measure.bytesOnDisk(m.path()), s, comparedWith, agreement,
                m.runtimeName() != null ? m.runtimeName() : Backend.name(), d.source(),
                d.notes().isEmpty() ? null : d.notes());
    }

    /** Accuracy of a network on a source (no checks, no timing). */
    public static double accuracy(ComputationGraph g, Batches.Source s) {
        return Predictions.of(g, s, 256).accuracy();
    }
}
