package org.jvmcompress.distill.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The discriminator, the adversarial logit loss and knowledge kind, and method options. */
class AdversarialTest {
    @Test
    void discriminatorInputGradientMatchesFiniteDifferences() {
        Random r = new Random(3);
        Discriminator d = new Discriminator(5, 8, 1e-3, 7);
        double[][] x = LogitLossTest.random(r, 4, 5);
        FiniteDifferences.check(d::generatorLoss, d.generatorGradient(x), x, 1e-6, 1e-5, 1e-6, "generator loss");
    }

    @Test
    void discriminatorLearnsToSeparate() {
        Random r = new Random(4);
        Discriminator d = new Discriminator(3, 16, 1e-2, 1);
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 300; step++) {
            double[][] real = new double[32][3];
            double[][] fake = new double[32][3];
            for (int i = 0; i < 32; i++) {
                for (int k = 0; k < 3; k++) {
                    real[i][k] = r.nextGaussian() + 2;
                    fake[i][k] = r.nextGaussian() - 2;
                }
            }
            last = d.train(real, fake);
            if (step == 0) {
                first = last;
            }
        }
        // chance is 2 ln 2 = 1.386; well-separated clusters end far below
        assertTrue(first > 0.5 && last < 0.1, "discriminator loss " + first + " -> " + last);
        assertTrue(d.logit(new double[] {2, 2, 2}) > 0 && d.logit(new double[] {-2, -2, -2}) < 0);
        // the student's gradient points from fake towards real
        double[][] g = d.generatorGradient(new double[][] {{-2, -2, -2}});
        assertTrue(g[0][0] + g[0][1] + g[0][2] < 0, "descending the generator loss moves towards the real rows");
    }

    @Test
    void adversarialLogitGradientMatchesFiniteDifferencesAndIgnoresOffsets() {
        Random r = new Random(5);
        for (String spec : new String[] {"kd-adv", "kd-adv[conditional=1,hidden=8]"}) {
            AdversarialLoss adv = new AdversarialLoss(Configured.parse(spec));
            double[][] s = LogitLossTest.random(r, 6, 4);
            double[][] t = LogitLossTest.random(r, 6, 4);
            double[][] y = new double[6][4];
            for (int i = 0; i < 6; i++) {
                y[i][i % 4] = 1;
            }
            adv.gradient(s, t, y); // makes and trains the discriminator once
            FiniteDifferences.check(x -> adv.score(x, t, y), adv.frozenGradient(s, y), s, 1e-6, 1e-5, 1e-6, spec);
            double[][] shifted = new double[6][];
            for (int i = 0; i < 6; i++) {
                shifted[i] = s[i].clone();
                for (int k = 0; k < 4; k++) {
                    shifted[i][k] += 10 * i;
                }
            }
            assertEquals(adv.score(s, t, y), adv.score(shifted, t, y), 1e-9, "softmax ignores a row's offset; so does D");
        }
    }

    @Test
    void kdAdvIsKdPlusAWeightedAdversarialTermWithState() {
        LogitLoss l = LogitLosses.create("kd-adv[weight=0.5,hidden=16,steps=2]", 2, 0.7);
        assertEquals("0.7*FORWARD-KL(T=2) + 0.3*CE + 0.5*ADV(logits, D 16x16, 2 steps, lr 0.0002)", l.toString());
        DistillationLossFunction f = new DistillationLossFunction("kd-adv[weight=0.5,lr=0.01]", 1, 0.7);
        // the teacher's logits favour class 0, the student's class 1: told apart after a few discriminator steps
        INDArray pre = Nd4j.createFromArray(new float[] {-1, 2, -1}).reshape(1, 3).repeat(0, 8);
        INDArray t = Nd4j.createFromArray(new float[] {2, -1, -1}).reshape(1, 3).repeat(0, 8);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 3, 1);
        }
        INDArray labels = DistillationLossFunction.packLabels(t, y);
        double before = f.computeScore(labels, pre, new ActivationIdentity(), null, true);
        for (int step = 0; step < 20; step++) {
            f.computeGradient(labels, pre, new ActivationIdentity(), null);
        }
        double after = f.computeScore(labels, pre, new ActivationIdentity(), null, true);
        // the same discriminator trained 20 times: it now tells these student rows from the teacher's better,
        // so the student's adversarial loss (and the total) went up
        assertTrue(after > before, before + " -> " + after);
    }

    @Test
    void advKindHasItsOwnDiscriminatorPerInstance() {
        KnowledgeKind a = KnowledgeKinds.get("adv[hidden=8,lr=0.01]");
        KnowledgeKind b = KnowledgeKinds.get("adv[hidden=8,lr=0.01]");
        assertNotEquals(System.identityHashCode(a), System.identityHashCode(b));
        INDArray s = Nd4j.rand(DataType.DOUBLE, 16, 6);
        INDArray t = Nd4j.rand(DataType.DOUBLE, 16, 6).addi(2);
        double first = a.score(t, s, new long[] {6});
        for (int i = 0; i < 30; i++) {
            a.gradient(t, s, new long[] {6});
        }
        assertTrue(a.score(t, s, new long[] {6}) > first);
        assertEquals(first, b.score(t, s, new long[] {6}), 1e-12, "b's discriminator did not train");
        assertTrue(((AdversarialKnowledge) a).discriminatorLoss() < Math.log(4));
    }

    @Test
    void optionsAreCheckedByName() {
        CompressionException e = assertThrows(CompressionException.class, () -> LogitLosses.create("kd[weight=1]", 1, 0.5));
        assertTrue(e.getMessage().contains("kd takes no options"), e.getMessage());
        e = assertThrows(CompressionException.class, () -> KnowledgeKinds.get("adv[hiden=8]"));
        assertTrue(e.getMessage().contains("no option hiden") && e.getMessage().contains("hidden"), e.getMessage());
        e = assertThrows(CompressionException.class, () -> LogitLosses.create("kd-adv[steps=0]", 1, 0.5));
        assertTrue(e.getMessage().contains("steps must be in [1, 100]"), e.getMessage());
        e = assertThrows(CompressionException.class, () -> Configured.parse("adv[hidden]"));
        assertTrue(e.getMessage().contains("KEY=VALUE"), e.getMessage());
        assertEquals(new Configured("adv", Map.of("hidden", "8", "lr", "0.01")), Configured.parse("adv[hidden=8, lr=0.01]"));
        assertThrows(CompressionException.class, () -> KnowledgeKinds.get("sp[x=1]"));
    }

    @Test
    void lwfDistilsTheOldClassesOnly() {
        Random r = new Random(8);
        double[][] s = LogitLossTest.random(r, 5, 6);
        double[][] t = LogitLossTest.random(r, 5, 6);
        double[][] y = new double[5][6];
        for (int i = 0; i < 5; i++) {
            y[i][4 + i % 2] = 1;
        }
        for (String spec : new String[] {"lwf[old=4]", "lwf[old=4,local=1]"}) {
            LogitLoss l = LogitLosses.create(spec, 2, 0.7);
            FiniteDifferences.check(x -> l.score(x, t, y), l.gradient(s, t, y), s, 1e-6, 1e-5, 1e-6, spec);
            // the KD term sees the first 4 logits only: changing the teacher's others changes nothing
            double[][] t2 = new double[5][];
            for (int i = 0; i < 5; i++) {
                t2[i] = t[i].clone();
                t2[i][4] += 3;
                t2[i][5] -= 2;
            }
            assertEquals(l.score(s, t, y), l.score(s, t2, y), 1e-12, spec);
        }
        // task-local: the new items' labels do not push the old classes' logits
        double[][] g = LogitLosses.create("lwf[old=4,local=1]", 2, 0).gradient(s, t, y);
        for (double[] row : g) {
            for (int k = 0; k < 4; k++) {
                assertEquals(0, row[k], 0);
            }
        }
        assertEquals("0.7*FORWARD-KL(T=2)[classes < 4] + 0.3*CE[classes >= 4]",
                LogitLosses.create("lwf[old=4,local=1]", 2, 0.7).toString());
        CompressionException e = assertThrows(CompressionException.class, () -> LogitLosses.create("lwf", 2, 0.7));
        assertTrue(e.getMessage().contains("old=K"), e.getMessage());
    }
}
