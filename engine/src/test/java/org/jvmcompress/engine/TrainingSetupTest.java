package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.task.Architectures;
import org.jvmcompress.core.train.TrainingSetup;
import org.jvmcompress.core.task.SearchNets;
import org.jvmcompress.core.task.TrainConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The set-up before training changes nothing that is computed: the same parameters after the same steps. */
@ExtendWith(SuiteSetup.class)
class TrainingSetupTest {
    static final TrainConfig C = new TrainConfig("x", 1, 32, 1e-3, 1.0, 1, 0, 0, 0);

    /** One-hot labels, example i of class i % classes. */
    static INDArray labels(int n, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % classes, 1);
        }
        return y;
    }

    /** The plain and the prepared network (its clone) give the same gradients and parameters after 3 steps. */
    static void sameSteps(ComputationGraph plain, ComputationGraph prepared, INDArray x, INDArray y, double tolerance) {
        INDArray before = plain.params().dup();
        for (ComputationGraph g : new ComputationGraph[] {plain, prepared}) {
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
        }
        for (String key : plain.gradient().gradientForVariable().keySet()) {
            INDArray a = plain.gradient().gradientForVariable().get(key);
            double d = a.sub(prepared.gradient().gradientForVariable().get(key)).amaxNumber().doubleValue()
                    / Math.max(1e-12, a.amaxNumber().doubleValue());
            assertTrue(d < tolerance, key + ": relative difference " + d);
        }
        for (int step = 0; step < 3; step++) {
            plain.fit(new INDArray[] {x}, new INDArray[] {y});
            prepared.fit(new INDArray[] {x}, new INDArray[] {y});
        }
        double d = plain.params().sub(prepared.params()).amaxNumber().doubleValue();
        assertTrue(d < tolerance, "parameters differ by " + d);
        assertTrue(plain.params().sub(before).amaxNumber().doubleValue() > 0, "the steps changed nothing");
    }

    @Test
    void sameStepsWithCachedPreActivations() {
        for (ComputationGraph plain : new ComputationGraph[] {Architectures.cvStudent(1, 28, 28, 10, C),
                SearchNets.cv(SearchNets.parseCv("cvnet:c=8-16,b=1-1,k=3,t=res,bn=1,h=16"), 1, 28, 28, 10, C)}) {
            ComputationGraph prepared = plain.clone();
            TrainingSetup.prepare(prepared);
            assertEquals(CacheMode.DEVICE, prepared.getConfiguration().getCacheMode());
            Nd4j.getRandom().setSeed(3);
            sameSteps(plain, prepared, Nd4j.rand(DataType.FLOAT, 16, 1, 28, 28), labels(16, 10), 1e-5);
        }
    }

    @Test
    void sameStepsForTextNetworks() {
        for (ComputationGraph plain : new ComputationGraph[] {
                Architectures.nlpBiLstm(org.jvmcompress.core.task.ArchSpec.parse("nlp-teacher,width=0.25"), 300, 30, 2, C),
                SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=bilstm,h=8,l=2"), 300, 30, 2, C),
                SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=cnn,h=8,l=2"), 300, 30, 2, C)}) {
            ComputationGraph prepared = plain.clone();
            TrainingSetup.prepare(prepared);
            long bidirectional = java.util.Arrays.stream(plain.getLayers())
                    .filter(l -> l instanceof org.deeplearning4j.nn.layers.recurrent.BidirectionalLayer).count();
            assertEquals(bidirectional, java.util.Arrays.stream(prepared.getLayers())
                    .filter(l -> l instanceof InOrderBidirectional).count());
            assertTrue(java.util.Arrays.stream(prepared.getLayers()).anyMatch(l -> l instanceof FastGlobalMaxPooling));
            assertEquals(prepared.getLayers().length, plain.getLayers().length);
            INDArray x = Nd4j.rand(DataType.FLOAT, 8, 30).muli(300).castTo(DataType.INT32).castTo(DataType.FLOAT);
            sameSteps(plain, prepared, x, labels(8, 2), 1e-4);
        }
    }
}
