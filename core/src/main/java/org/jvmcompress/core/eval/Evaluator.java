package org.jvmcompress.core.eval;

import org.jvmcompress.core.task.Compatibility;
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

    public static EvaluationReport evaluate(LoadedModel m, TaskData d, SpeedSettings speed, LoadedModel compare) {
        Compatibility.check(m, d, "model " + m.path());
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
            Compatibility.check(compare, d, "model " + compare.path());
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
