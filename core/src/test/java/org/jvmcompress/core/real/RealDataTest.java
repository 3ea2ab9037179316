package org.jvmcompress.core.real;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.FashionMnist;
import org.jvmcompress.core.data.ImageData;
import org.jvmcompress.core.data.Imdb;
import org.jvmcompress.core.data.Splits;
import org.jvmcompress.core.data.TextData;
import org.jvmcompress.core.eval.ClassificationMetrics;
import org.jvmcompress.core.eval.Predictions;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.NlpTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.Trainer;

/**
 * The real data sets through the data layer (fetched and verified on first use; CI fetches them first), and short
 * training runs on small real subsets.
 */
@org.junit.jupiter.api.Tag("integration")
@ExtendWith(SuiteSetup.class)
class RealDataTest {
    static final DataHome HOME = DataHome.resolve(null);

    @TempDir
    Path dir;

    @Test
    void fashionMnistHasItsPublishedShape() {
        FashionMnist fm = new FashionMnist(HOME);
        ImageData train = fm.train();
        ImageData test = fm.test();
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        assertEquals(28, train.height());
        int[] counts = new int[10];
        for (int y : train.labels()) {
            counts[y]++;
        }
        for (int c : counts) {
            assertEquals(6_000, c);
        }
    }

    @Test
    void imdbSplitKeepsDuplicatesOnOneSide() {
        TextData all = new Imdb(HOME).load();
        assertEquals(50_000, all.size());
        int pos = 0;
        for (int y : all.labels()) {
            pos += y;
        }
        assertEquals(25_000, pos);
        java.util.List<String> keys = all.texts().stream().map(Splits::textKey).toList();
        int[][] parts = Splits.split(keys, new double[] {0.8, 0.1, 0.1}, 42);
        Set<String> train = new HashSet<>();
        for (int i : parts[0]) {
            train.add(keys.get(i));
        }
        int dupsInAll = all.size() - new HashSet<>(keys).size();
        assertTrue(dupsInAll > 300, "IMDB has a few hundred duplicate reviews, found " + dupsInAll);
        for (int p = 1; p < 3; p++) {
            for (int i : parts[p]) {
                assertFalse(train.contains(keys.get(i)), "a held-out review also occurs in training");
            }
        }
        assertEquals(40_000, parts[0].length, 10);
    }

    @Test
    void smallCvStudentLearnsFromARealSubset() {
        CvTask task = new CvTask();
        TaskData d = task.load(HOME, 42, null);
        TrainConfig c = new TrainConfig("cv-student", 1, 64, 2e-3, 1.0, 1, 0, 42, 4_000);
        Trainer.Result r = Trainer.train(task.build("cv-student", d, c), d, c, dir);
        ClassificationMetrics m = ClassificationMetrics.of(Predictions.of(r.best(), d.test(), 256), d.labels());
        assertEquals(10_000, m.n());
        assertTrue(m.accuracy() > 0.70, "cv-student on 4,000 real images, 1 epoch: " + m.accuracy());
    }

    @Test
    void smallNlpModelLearnsFromARealSubset() {
        NlpTask task = new NlpTask();
        TaskData d = task.load(HOME, 42, null);
        assertEquals(NlpTask.VOCAB_SIZE, d.vocabulary().size());
        TrainConfig c = new TrainConfig("nlp-cnn", 1, 64, 1e-3, 1.0, 1, 0, 42, 4_000);
        ComputationGraph g = task.build("nlp-cnn", d, c);
        Trainer.Result r = Trainer.train(g, d, c, dir);
        double acc = Predictions.of(r.best(), d.test(), 256).accuracy();
        assertTrue(acc > 0.60, "nlp-cnn on 4,000 real reviews, 1 epoch: " + acc);
    }

    @Test
    void wordnetTaskHasAllNounSynsetsAndLearnsFromASubset() {
        NlpTask task = (NlpTask) org.jvmcompress.core.task.Tasks.get("wordnet");
        TaskData d = task.load(HOME, 42, null);
        assertEquals(26, d.numClasses());
        assertEquals(32, d.inputShape()[0]);
        assertEquals("wordnet-nouns", d.source().builtin());
        long n = d.train().size() + d.validation().size() + d.test().size();
        assertEquals(82_115, n);
        TrainConfig c = new TrainConfig("nlp-cnn", 1, 64, 2e-3, 1.0, 1, 0, 42, 8_000);
        Trainer.Result r = Trainer.train(task.build("nlp-cnn", d, c), d, c, dir);
        double acc = Predictions.of(r.best(), d.test(), 256).accuracy();
        // the largest class (artifact) is 14 % of the definitions
        assertTrue(acc > 0.35, "nlp-cnn on 8,000 real definitions, 1 epoch: " + acc);
    }
}
