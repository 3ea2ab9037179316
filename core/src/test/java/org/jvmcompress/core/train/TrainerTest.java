package org.jvmcompress.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.Synthetic;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;

@ExtendWith(SuiteSetup.class)
class TrainerTest {
    @TempDir
    Path dir;

    static TaskData data() {
        CvTask t = new CvTask();
        return t.fromImages(Synthetic.images(600, 4, 12, 1), Synthetic.images(200, 4, 12, 2), 5, "synthetic");
    }

    @Test
    void learnsKeepsTheBestEpochAndResumes() {
        TaskData d = data();
        CvTask t = new CvTask();
        TrainConfig c1 = new TrainConfig("cv-student", 1, 32, 3e-3, 0.9, 3, 0, 11, 0);
        Trainer.Result r1 = Trainer.train(t.build("cv-student", d, c1), d, c1, dir);
        assertFalse(r1.resumed());
        assertEquals(1, r1.state().history().size());
        assertTrue(Files.isRegularFile(dir.resolve("checkpoint/best.zip")));
        assertTrue(Files.isRegularFile(dir.resolve("checkpoint/last-1.zip")));

        // Same run, more epochs: resumes after epoch 1 instead of starting again.
        TrainConfig c3 = c1.withEpochs(3);
        Trainer.Result r3 = Trainer.train(t.build("cv-student", d, c3), d, c3, dir);
        assertTrue(r3.resumed());
        assertEquals(3, r3.state().history().size());
        assertEquals(r1.state().history().get(0), r3.state().history().get(0));
        assertFalse(Files.exists(dir.resolve("checkpoint/last-1.zip")), "older checkpoints are removed");
        double best = r3.state().bestValidationAccuracy();
        assertEquals(best, Evaluator.accuracy(r3.best(), d.validation()), 1e-9);
        assertTrue(best > 0.9, "synthetic classes are easy; validation accuracy " + best);
        double max = r3.state().history().stream().mapToDouble(Trainer.Epoch::validationAccuracy).max().orElseThrow();
        assertEquals(max, best, 1e-12);
    }

    @Test
    void aDifferentRunInTheSameFolderIsRefused() {
        TaskData d = data();
        CvTask t = new CvTask();
        TrainConfig c1 = new TrainConfig("cv-student", 1, 32, 3e-3, 0.9, 3, 0, 11, 0);
        Trainer.train(t.build("cv-student", d, c1), d, c1, dir);
        TrainConfig other = c1.withLearningRate(1e-2);
        CompressionException e = assertThrows(CompressionException.class,
                () -> Trainer.train(t.build("cv-student", d, other), d, other, dir));
        assertTrue(e.getMessage().contains("different run"), e.getMessage());
    }

    @Test
    void badConfigValuesAreNamed() {
        assertTrue(assertThrows(CompressionException.class, () -> new TrainConfig("a", 0, 32, 1e-3, 1, 1, 0, 1, 0))
                .getMessage().contains("epochs"));
        assertTrue(assertThrows(CompressionException.class, () -> new TrainConfig("a", 1, 32, -1, 1, 1, 0, 1, 0))
                .getMessage().contains("learning rate"));
        assertTrue(assertThrows(CompressionException.class, () -> new TrainConfig("a", 1, 32, 1e-3, 1.5, 1, 0, 1, 0))
                .getMessage().contains("decay"));
    }
}
