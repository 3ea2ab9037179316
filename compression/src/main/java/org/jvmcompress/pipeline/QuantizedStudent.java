package org.jvmcompress.pipeline;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.distill.OfflineDistiller;
import org.jvmcompress.distill.OutputLoss;
import org.jvmcompress.quantize.Qat;
import org.jvmcompress.quantize.QuantizedModel;
import org.jvmcompress.quantize.Quantization;
import org.jvmcompress.quantize.Quantizer;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The quantised student: two stages in one run, so it lives here and not in either stage. A float student is
 * distilled from the teacher, then trained quantisation-aware on the same distillation loss and exported to int8.
 */
public final class QuantizedStudent {
    private QuantizedStudent() {}

    /**
     * @param floatConfig the student's architecture and float distillation epochs
     * @param qatConfig   the QAT fine-tuning (epochs, learning rate)
     */
    public static LoadedModel make(LoadedModel teacher, Task task, TaskData data, OfflineDistiller.Method method,
                                   TrainConfig floatConfig, TrainConfig qatConfig, Quantizer.Settings s, Path runDir,
                                   Path out, Path cacheDir, String command) {
        TrainedModels.Outcome f = OfflineDistiller.distil(teacher, task, data, method, floatConfig,
                runDir.resolve("float"), runDir.resolve("float").resolve("student.zip"), cacheDir, command);
        return qatOnDistillation(f.model(), teacher, data, method, qatConfig, s, runDir.resolve("qat"), out, cacheDir,
                command, f.state().epochsDone());
    }

    /**
     * Quantisation-aware training of a float student on the distillation loss {@code method} (the teacher's cached
     * outputs as targets) and export to int8: the second half of the quantised student, which {@code run} also takes
     * after its distill stage ({@code quantize.qatLoss: "distill"}).
     *
     * @param floatEpochs the student's float distillation epochs, for the record (null: not known here)
     */
    public static LoadedModel qatOnDistillation(LoadedModel student, LoadedModel teacher, TaskData data,
                                                OfflineDistiller.Method method, TrainConfig qatConfig,
                                                Quantizer.Settings s, Path qatDir, Path out, Path cacheDir,
                                                String command, Integer floatEpochs) {
        Qat.Prepared p = Qat.prepare(student.graph(), data, s);
        OutputLoss.set(p.graph(), method.lossFunction());
        TaskData kd = OfflineDistiller.withTeacherTargets(teacher, data, method, cacheDir);
        QuantizedModel q = Qat.train(p, data, kd, qatConfig, s, qatDir, g -> OutputLoss.set(g, new LossMCXENT()));
        Map<String, Object> settings = new LinkedHashMap<>(q.settings());
        Map<String, Object> distillation = new LinkedHashMap<>();
        distillation.put("teacher", teacher.path().toString());
        distillation.put("loss", method.toString());
        if (floatEpochs != null) {
            distillation.put("floatEpochs", floatEpochs);
        }
        settings.put("distillation", distillation);
        return Quantization.save(new QuantizedModel(q.conf(), q.params(), q.activations(), settings), student, out,
                command);
    }
}
