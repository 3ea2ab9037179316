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
        Qat.Prepared p = Qat.prepare(f.model().graph(), data, s);
        OutputLoss.set(p.graph(), method.lossFunction());
        TaskData kd = OfflineDistiller.withTeacherTargets(teacher, data, method, cacheDir);
        QuantizedModel q = Qat.train(p, data, kd, qatConfig, s, runDir.resolve("qat"),
                g -> OutputLoss.set(g, new LossMCXENT()));
        Map<String, Object> settings = new LinkedHashMap<>(q.settings());
        settings.put("distillation", Map.of("teacher", teacher.path().toString(), "loss", method.toString(),
                "floatEpochs", f.state().epochsDone()));
        return Quantization.save(new QuantizedModel(q.conf(), q.params(), q.activations(), settings), f.model(), out,
                command);
    }
}
