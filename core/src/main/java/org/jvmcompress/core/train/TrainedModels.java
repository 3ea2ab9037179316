package org.jvmcompress.core.train;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelInfo;
import org.jvmcompress.core.model.ModelStore;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;

/** Trains a task's architecture with {@link Trainer} and saves the best epoch as a model with its sidecar. */
public final class TrainedModels {
    private TrainedModels() {}

    /** The saved model and the training history. */
    public record Outcome(LoadedModel model, Trainer.State state) {}

    /**
     * @param runDir    the training folder (checkpoints; resumes from it)
     * @param modelFile where the best network goes, with its sidecar next to it
     * @param command   the command line that started this, for provenance (may be null)
     */
    public static Outcome train(Task task, TaskData data, TrainConfig c, Path runDir, Path modelFile,
                                boolean saveUpdater, String command) {
        return train(task.build(c.architecture(), data, c), task, data, data, c, runDir, modelFile, saveUpdater,
                command, Map.of(), g -> g);
    }

    /**
     * The general form: trains {@code fresh} on {@code trainData} (whose training source may carry more than labels,
     * e.g. a teacher's outputs), describes the model by {@code data}, adds {@code extra} to the sidecar's training
     * section, and applies {@code beforeSave} to the best network before it is saved.
     */
    public static Outcome train(ComputationGraph fresh, Task task, TaskData data, TaskData trainData, TrainConfig c,
                                Path runDir, Path modelFile, boolean saveUpdater, String command,
                                Map<String, Object> extra, java.util.function.UnaryOperator<ComputationGraph> beforeSave) {
        return train(java.util.List.of(fresh), Trainer.FIT, task, data, trainData, c, runDir, modelFile, saveUpdater,
                command, extra, beforeSave);
    }

    /** Several networks trained together by {@code step}; the first one is saved. */
    public static Outcome train(java.util.List<ComputationGraph> fresh, Trainer.Step step, Task task, TaskData data,
                                TaskData trainData, TrainConfig c, Path runDir, Path modelFile, boolean saveUpdater,
                                String command, Map<String, Object> extra,
                                java.util.function.UnaryOperator<ComputationGraph> beforeSave) {
        Trainer.MultiResult r = Trainer.train(fresh, trainData, c, runDir, step);
        ComputationGraph best = beforeSave.apply(r.best().get(0));
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("config", c);
        training.put("epochsRun", r.state().epochsDone());
        training.put("bestEpoch", r.state().bestEpoch());
        training.put("bestValidationAccuracy", r.state().bestValidationAccuracy());
        training.put("history", r.state().history());
        if (command != null) {
            training.put("command", command);
        }
        training.putAll(extra);
        ModelInfo info = new ModelInfo(ModelInfo.SCHEMA, task.name(), c.architecture(), data.labels(), data.inputShape(),
                data.input(), data.preprocessing(), data.vocabulary(), training, c.seed(), data.dataHash(),
                Backend.describe(), Instant.now().toString(), data.splitSeed(), data.source());
        ModelStore.save(best, info, modelFile, saveUpdater);
        return new Outcome(new LoadedModel(best, info, modelFile, "dl4j"), r.state());
    }
}
