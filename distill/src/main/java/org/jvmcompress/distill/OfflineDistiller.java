package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Hashing;
import org.jvmcompress.distill.loss.DecoupledKdLoss;
import org.jvmcompress.distill.loss.DistillationLossFunction;
import org.jvmcompress.distill.loss.LogitLosses;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Offline response-based distillation: frozen teachers' logits on the training split are computed once and
 * cached; the student trains on them with a logit loss ({@link LogitLosses}), with early stopping on validation
 * accuracy, checkpoints and resume as for any training; the saved student is a plain DL4J model (its output
 * layer's loss is set back to cross-entropy).
 */
public final class OfflineDistiller {
    /** What to distil: the logit loss by name, its temperature and the teacher's weight alpha. */
    public record Method(String loss, double temperature, double alpha, double beta) {
        public Method {
            LogitLosses.create(loss, temperature, alpha, beta);
        }

        /** A method whose DKD weight, unused by every other loss, is the default. */
        public Method(String loss, double temperature, double alpha) {
            this(loss, temperature, alpha, DecoupledKdLoss.DEFAULT_BETA);
        }

        /** The student's output-layer loss for this method. */
        public DistillationLossFunction lossFunction() {
            return new DistillationLossFunction(loss, temperature, alpha, beta);
        }

        @Override
        public String toString() {
            return LogitLosses.create(loss, temperature, alpha, beta).toString();
        }
    }

    private OfflineDistiller() {}

    /** One teacher; {@code cacheDir} keeps its outputs across runs. The method "ce" trains from scratch. */
    public static TrainedModels.Outcome distil(LoadedModel teacher, Task task, TaskData data, Method method,
                                               TrainConfig c, Path runDir, Path studentFile, Path cacheDir,
                                               String command) {
        return distil(Teachers.single(teacher, cacheDir), task, data, method, c, runDir, studentFile, command);
    }

    public static TrainedModels.Outcome distil(Teachers teachers, Task task, TaskData data, Method method,
                                               TrainConfig c, Path runDir, Path studentFile, String command) {
        return distil(teachers, task, data, method, 0, null, c, runDir, studentFile, command);
    }

    /**
     * @param views        0: the teachers' outputs on the training items; N > 0: each teacher's output averaged (as
     *                     probabilities at the loss's temperature) over the clean item and N augmented versions of it
     *                     ({@code augmentation}, null for {@link Augmenter#viewsDefault}). A teacher is near-certain
     *                     on most of its own training items; its average over nearby inputs says which classes
     *                     the item is close to. The student still trains on the clean items.
     */
    public static TrainedModels.Outcome distil(Teachers teachers, Task task, TaskData data, Method method, int views,
                                               String augmentation, TrainConfig c, Path runDir, Path studentFile,
                                               String command) {
        teachers.checkCompatible(data);
        if (method.loss().equals("ce")) {
            Map<String, Object> extra = Map.of("distillation", Map.of("scheme", "none (from scratch)", "loss", "CE"));
            return TrainedModels.train(task.build(c.architecture(), data, c), task, data, data, c, runDir, studentFile,
                    false, command, extra, g -> g);
        }
        if (views > 0) {
            Augmenter aug = Augmenter.parse(data.input(), augmentation == null ? Augmenter.viewsDefault(data.input())
                    : augmentation, data.vocabulary() == null ? 0 : data.vocabulary().size());
            float[][] logits = teachers.viewAveraged(data.train(), data.dataHash(), aug, views, method.temperature());
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("targetViews", views);
            details.put("augmentation", aug.toString());
            return onTargets(teachers, task, data, new KdSource(data.train(), logits), "offline", "avg[clean+" + views
                    + "x" + aug + "]", method, c, runDir, studentFile, command, details);
        }
        float[][] logits = teachers.logits(data.train(), data.dataHash(), "none", method.temperature());
        return onTargets(teachers, task, data, new KdSource(data.train(), logits), "offline", "none", method, c,
                runDir, studentFile, command, Map.of());
    }

    /**
     * The data with the teacher's (cached) logits beside the labels of every training item, for a student whose
     * output layer has the {@link DistillationLossFunction} of {@code method}.
     */
    public static TaskData withTeacherTargets(LoadedModel teacher, TaskData data, Method method, Path cacheDir) {
        Teachers ts = Teachers.single(teacher, cacheDir);
        ts.checkCompatible(data);
        float[][] logits = ts.logits(data.train(), data.dataHash(), "none", method.temperature());
        return data.withTrain(new KdSource(data.train(), logits), Hashing.sha256(data.dataHash() + "|teachers="
                + ts.key() + "|view=none|" + method));
    }

    /**
     * Trains a student on a source whose labels carry teacher logits ([logits | one-hot]), named by {@code view}
     * (the augmentation) in the data hash; {@code details} go into the sidecar's distillation section.
     */
    static TrainedModels.Outcome onTargets(Teachers teachers, Task task, TaskData data, Batches.Source targets,
                                           String scheme, String view, Method method, TrainConfig c, Path runDir,
                                           Path studentFile, String command, Map<String, Object> details) {
        TaskData kd = data.withTrain(targets, Hashing.sha256(data.dataHash() + "|teachers=" + teachers.key() + "|view="
                + view + "|" + method));
        ComputationGraph student = task.build(c.architecture(), data, c);
        OutputLoss.set(student, method.lossFunction());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("scheme", scheme);
        d.put("loss", method.toString());
        d.put("teachers", teachers.paths());
        d.put("teacherMix", teachers.mix().toString());
        d.put("view", view);
        d.putAll(details);
        return TrainedModels.train(student, task, data, kd, c, runDir, studentFile, false, command,
                Map.of("distillation", d), g -> OutputLoss.set(g, new LossMCXENT()));
    }
}
