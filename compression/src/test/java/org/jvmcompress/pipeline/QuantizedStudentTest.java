package org.jvmcompress.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SmallCv;
import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.quantize.Quantizer;
import org.jvmcompress.distill.OfflineDistiller;

/** The quantised student: a distilled float student, then QAT on the distillation loss, exported to int8. */
@ExtendWith(SuiteSetup.class)
class QuantizedStudentTest {
    @TempDir
    static Path dir;
    static CvTask task;
    static TaskData data;
    static LoadedModel teacher;

    @BeforeAll
    static void init() {
        SmallCv cv = SmallCv.of(500);
        task = cv.task();
        data = cv.data();
        teacher = cv.teacher(dir);
    }

    @Test
    void quantisedStudentIsDistilledThenTrainedQuantised() {
        Quantizer.Settings s = Quantizer.Settings.of("int8-per-channel");
        LoadedModel q = QuantizedStudent.make(teacher, task, data, new OfflineDistiller.Method("kd", 2, 0.5),
                new TrainConfig("cv-student", 2, 32, 3e-3, 1.0, 2, 0, 5, 0),
                new TrainConfig("cv-student", 1, 32, 1e-4, 1.0, 2, 0, 5, 0), s, dir.resolve("qs"),
                dir.resolve("qs/student.jcq"), dir.resolve("cache"), "test");
        assertTrue(Evaluator.accuracy(q.graph(), data.test()) > 0.5);
        Map<?, ?> quant = (Map<?, ?>) q.info().training().get("quantization");
        assertTrue(quant.containsKey("distillation") && quant.containsKey("qat"), quant.toString());
        assertEquals("cv-student", q.info().architecture());
    }
}
