package org.jvmcompress.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.data.ImageData;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

@ExtendWith(SuiteSetup.class)
class OfflineDistillerTest {
    @TempDir
    Path dir;

    /** Images whose class is the brightest band of rows. */
    static ImageData bands(int n, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[n * 144];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
            for (int k = 0; k < 144; k++) {
                boolean on = (k / 12) / 4 == y[i];
                px[i * 144 + k] = (byte) (on ? 150 + r.nextInt(100) : r.nextInt(90));
            }
        }
        return new ImageData(px, y, 1, 12, 12, List.of("a", "b", "c"));
    }

    @Test
    void distilsFromCachedTeacherOutputsAndSavesAPlainModel() throws Exception {
        CvTask task = new CvTask();
        TaskData data = task.fromImages(bands(600, 1), bands(200, 2), 3, "bands");
        TrainConfig tc = new TrainConfig("cv-student", 2, 32, 3e-3, 1.0, 2, 0, 5, 0);
        LoadedModel teacher = TrainedModels.train(task, data, tc, dir.resolve("teacher"),
                dir.resolve("teacher/teacher.zip"), false, null).model();

        OfflineDistiller.Method kd = new OfflineDistiller.Method("kd", 4, 0.9);
        Path runDir = dir.resolve("kd");
        TrainedModels.Outcome out = OfflineDistiller.distil(teacher, task, data, kd, tc.withSeed(6), runDir,
                runDir.resolve("student.zip"), runDir.resolve("cache"), "test");
        List<Path> caches = Files.list(runDir.resolve("cache")).toList();
        assertEquals(1, caches.size(), "one cached file of teacher outputs");
        float[][] cached = TeacherOutputs.read(caches.get(0), data.train().size());
        assertArrayEquals(TeacherOutputs.compute(teacher.graph(), data.train())[7], cached[7], 1e-6f);

        double acc = Evaluator.accuracy(out.model().graph(), data.test());
        assertTrue(acc > 0.9, "student accuracy on easy synthetic classes: " + acc);

        // The saved student is plain DL4J: cross-entropy output, loadable without the distillation classes' state.
        try (ZipFile z = new ZipFile(runDir.resolve("student.zip").toFile())) {
            String conf = new String(z.getInputStream(z.getEntry("configuration.json")).readAllBytes());
            assertFalse(conf.contains("DistillationLossFunction"), "saved config still names the KD loss");
            assertTrue(conf.contains("LossMCXENT"));
        }
        LoadedModel back = Models.load(runDir.resolve("student.zip"));
        assertEquals(acc, Evaluator.accuracy(back.graph(), data.test()), 1e-9);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> d = (java.util.Map<String, Object>) back.info().training().get("distillation");
        assertEquals("0.9*FORWARD-KL(T=4) + 0.1*CE", d.get("loss"));
    }
}
