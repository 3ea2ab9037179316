package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Hashing;
import org.jvmcompress.distill.loss.DistillationLossFunction;
import org.jvmcompress.distill.loss.LogitLosses;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Offline response-based distillation: a frozen teacher's logits on the training split are computed once and
 * cached in the run folder; the student trains on them with a logit loss ({@link LogitLosses}), with early
 * stopping on validation accuracy, checkpoints and resume as for any training; the saved student is a plain DL4J
 * model (its output layer's loss is set back to cross-entropy).
 */
public final class OfflineDistiller {
    /** What to distil: the logit loss by name, its temperature and the teacher's weight alpha. */
    public record Method(String loss, double temperature, double alpha) {
        public Method {
            LogitLosses.create(loss, temperature, alpha);
        }

        @Override
        public String toString() {
            return LogitLosses.create(loss, temperature, alpha).toString();
        }
    }

    private OfflineDistiller() {}

    /**
     * @param cacheDir where teacher outputs are cached across runs (e.g. under the data folder); the method "ce"
     *                 (training from scratch) needs none and computes none
     */
    public static TrainedModels.Outcome distil(LoadedModel teacher, Task task, TaskData data, Method method,
                                               TrainConfig c, Path runDir, Path studentFile, Path cacheDir,
                                               String command) {
        Evaluator.checkCompatible(teacher.graph(), data, "teacher " + teacher.path());
        if (method.loss().equals("ce")) {
            Map<String, Object> extra = Map.of("distillation", Map.of("scheme", "none (from scratch)", "loss", "CE"));
            return TrainedModels.train(task.build(c.architecture(), data, c), task, data, data, c, runDir, studentFile,
                    false, command, extra, g -> g);
        }
        String key = TeacherOutputs.key(teacher.path(), data.dataHash(), "none");
        float[][] logits = TeacherOutputs.cached(teacher.graph(), data.train(), cacheDir, key);
        TaskData kd = new TaskData(data.task(), new KdSource(data.train(), logits), data.validation(), data.test(),
                data.inputShape(), data.input(), data.labels(), data.preprocessing(), data.vocabulary(),
                Hashing.sha256(data.dataHash() + "|teacher=" + key + "|" + method));
        ComputationGraph student = task.build(c.architecture(), data, c);
        OutputLoss.set(student, new DistillationLossFunction(method.loss(), method.temperature(), method.alpha()));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("distillation", Map.of("scheme", "offline", "loss", method.toString(), "teacher",
                teacher.path().toString(), "teacherSha256", Hashing.sha256(teacher.path())));
        return TrainedModels.train(student, task, data, kd, c, runDir, studentFile, false, command, extra,
                g -> OutputLoss.set(g, new LossMCXENT()));
    }
}
