package org.jvmcompress.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.EvaluationReport;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelInfo;
import org.jvmcompress.core.model.ModelStore;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.Trainer;
import org.jvmcompress.core.util.Json;

/** {@code train-teacher}: trains a task's reference teacher with early stopping, checkpoints and resume. */
final class TrainTeacherCommand implements Command {
    @Override
    public String name() {
        return "train-teacher";
    }

    @Override
    public String summary() {
        return "train a reference teacher (--task cv|nlp) on the real data; resumes an interrupted run in the same --output";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder("t").longOpt("task").hasArg().argName("TASK").required()
                        .desc("task: " + String.join(", ", Tasks.names())).build())
                .addOption(Option.builder().longOpt("arch").hasArg().argName("NAME")
                        .desc("architecture (default: the task's teacher; cv: cv-teacher, cv-student; nlp: nlp-cnn, nlp-teacher, nlp-student)").build())
                .addOption(Option.builder().longOpt("epochs").hasArg().argName("N").desc("maximum epochs").build())
                .addOption(Option.builder().longOpt("batch").hasArg().argName("N").desc("mini-batch size").build())
                .addOption(Option.builder().longOpt("lr").hasArg().argName("X").desc("Adam learning rate").build())
                .addOption(Option.builder().longOpt("lr-decay").hasArg().argName("X")
                        .desc("learning-rate factor applied after each epoch, in (0, 1]").build())
                .addOption(Option.builder().longOpt("patience").hasArg().argName("N")
                        .desc("stop after N epochs without a better validation accuracy").build())
                .addOption(Option.builder().longOpt("data").hasArg().argName("PATH")
                        .desc("train on your own data (split into train/validation with the seed); needs --test-data."
                                + " cv: folder per class or IDX pair; nlp: .csv/.jsonl with text,label or folder per class").build())
                .addOption(Option.builder().longOpt("test-data").hasArg().argName("PATH")
                        .desc("your own held-out test data, same forms as --data").build())
                .addOption(Option.builder().longOpt("train-limit").hasArg().argName("N")
                        .desc("train on the first N training examples only (quick runs; default all)").build())
                .addOption(Option.builder().longOpt("save-updater")
                        .desc("keep the optimiser state in the saved teacher (to train it further)").build())
                .addOption(Option.builder().longOpt("no-speed").desc("skip the latency/throughput measurement").build())
                .addOption(Option.builder().longOpt("record").hasArg().argName("FILE")
                        .desc("merge this teacher's figures into a results JSON file (e.g. docs/results/teachers.json)").build());
    }

    @Override
    public int run(CommandLine cl) {
        Task task = Tasks.get(cl.getOptionValue("task"));
        long seed = Cli.seed(cl);
        TrainConfig d = task.defaultConfig();
        String arch = cl.getOptionValue("arch", d.architecture());
        if (!task.architectures().contains(arch)) {
            throw new CompressionException("unknown architecture '" + arch + "' for task " + task.name() + "; known: "
                    + String.join(", ", task.architectures()));
        }
        TrainConfig c = new TrainConfig(arch, Cli.intOpt(cl, "epochs", d.maxEpochs(), 1),
                Cli.intOpt(cl, "batch", d.batchSize(), 1), Cli.doubleOpt(cl, "lr", d.learningRate()),
                Cli.doubleOpt(cl, "lr-decay", d.lrDecay()),
                Cli.intOpt(cl, "patience", d.patience(), 1), d.l2(), seed, Cli.intOpt(cl, "train-limit", 0, 0));
        Path out = Cli.output(cl, "runs/teacher-" + task.name());
        long t0 = System.nanoTime();
        System.err.println("loading " + task.name() + " data...");
        if (cl.hasOption("data") != cl.hasOption("test-data")) {
            throw new CompressionException("--data and --test-data go together (training pool and held-out test set)");
        }
        TaskData data = cl.hasOption("data")
                ? task.fromFiles(Path.of(cl.getOptionValue("data")), Path.of(cl.getOptionValue("test-data")), seed, null)
                : task.load(Cli.dataHome(cl), seed, null);
        ComputationGraph fresh = task.build(arch, data, c);
        System.err.printf("training %s (%d parameters) on %d examples, validating on %d; run folder %s%n", arch,
                org.jvmcompress.core.eval.Measure.trainableParams(fresh), c.trainLimit() > 0
                        ? Math.min(c.trainLimit(), data.train().size()) : data.train().size(),
                data.validation().size(), out);
        Trainer.Result r = Trainer.train(fresh, data, c, out);
        double wall = (System.nanoTime() - t0) / 1e9;

        Map<String, Object> training = new LinkedHashMap<>();
        training.put("config", c);
        training.put("epochsRun", r.state().epochsDone());
        training.put("bestEpoch", r.state().bestEpoch());
        training.put("bestValidationAccuracy", r.state().bestValidationAccuracy());
        training.put("history", r.state().history());
        training.put("command", Cli.commandLine(name(), cl));
        ModelInfo info = new ModelInfo(ModelInfo.SCHEMA, task.name(), arch, data.labels(), data.inputShape(),
                data.input(), data.preprocessing(), data.vocabulary(), training, seed, data.dataHash(),
                Backend.describe(), Instant.now().toString());
        Path model = out.resolve("teacher.zip");
        ModelStore.save(r.best(), info, model, cl.hasOption("save-updater"));

        LoadedModel loaded = new LoadedModel(r.best(), info, model, "dl4j");
        EvaluationReport rep = Evaluator.evaluate(loaded, data,
                cl.hasOption("no-speed") ? Evaluator.SpeedSettings.NONE : Evaluator.SpeedSettings.DEFAULT, null);
        Json.writeFile(out.resolve("evaluation.json"), rep);
        System.out.print(Render.text(rep));
        System.out.printf("wall time: %.0f s; teacher saved to %s (+ %s)%n", wall, model, "teacher.json");
        if (cl.hasOption("record")) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("acc", rep.metrics().accuracy());
            entry.put("params", rep.params());
            entry.put("bytes", rep.bytes());
            entry.put("architecture", arch);
            entry.put("test_examples", rep.metrics().n());
            entry.put("best_epoch", r.state().bestEpoch());
            entry.put("epochs_run", r.state().epochsDone());
            entry.put("validation_acc", r.state().bestValidationAccuracy());
            entry.put("train_wall_s", r.state().history().stream().mapToDouble(Trainer.Epoch::seconds).sum());
            entry.put("command", Cli.commandLine(name(), cl));
            entry.put("backend", Backend.describe());
            Results.merge(Path.of(cl.getOptionValue("record")), task.name(), entry);
        }
        return 0;
    }
}
