package org.jvmcompress.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.EvaluationReport;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.Trainer;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Json;

/** {@code train-teacher}: trains a task's reference teacher with early stopping, checkpoints and resume. */
final class TrainTeacherCommand implements Command {
    @Override
    public String name() {
        return "train-teacher";
    }

    @Override
    public String summary() {
        return "train a reference teacher (--task " + String.join("|", org.jvmcompress.core.task.Tasks.names()) + ") on the real data; resumes an interrupted run in the same --output";
    }

    @Override
    public Options options() {
        return Cli.withDataOptions(new Options()
                .addOption(Option.builder("t").longOpt("task").hasArg().argName("TASK")
                        .desc("task: " + String.join(", ", Tasks.names()) + " (with --data: images give cv, texts nlp)").build())
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
                        .desc("train on your own data, split into train/validation with the seed (and test, 80/10/10,"
                                + " without --test-data). Images: folder per class (PNG/JPEG, read at their most common"
                                + " size, colour when any image is) or IDX pair; text: .csv/.jsonl with text,label or"
                                + " folder per class of .txt").build())
                .addOption(Option.builder().longOpt("train-limit").hasArg().argName("N")
                        .desc("train on the first N training examples only (quick runs; default all)").build())
                .addOption(Option.builder().longOpt("save-updater")
                        .desc("keep the optimiser state in the saved teacher (to train it further)").build())
                .addOption(Option.builder().longOpt("no-speed").desc("skip the latency/throughput measurement").build())
                .addOption(Option.builder().longOpt("record").hasArg().argName("FILE")
                        .desc("merge this teacher's figures into a results JSON file (e.g. docs/results/teachers.json)").build()));
    }

    @Override
    public int run(CommandLine cl) {
        if (cl.hasOption("test-data") && !cl.hasOption("data")) {
            throw new UsageException("--test-data needs --data (the training data)");
        }
        String taskName = cl.getOptionValue("task");
        if (taskName == null && cl.hasOption("data")) {
            taskName = Tasks.forData(Path.of(cl.getOptionValue("data")));
        }
        if (taskName == null) {
            throw new CompressionException("train-teacher needs --task (" + String.join(", ", Tasks.names())
                    + ") for a built-in data set, or --data PATH for your own");
        }
        Task task = Tasks.get(taskName);
        long seed = Cli.seed(cl);
        TrainConfig d = task.defaultConfig();
        String arch = Tasks.checkArchitecture(task, cl.getOptionValue("arch", d.architecture()));
        TrainConfig c = new TrainConfig(arch, Cli.intOpt(cl, "epochs", d.maxEpochs(), 1),
                Cli.intOpt(cl, "batch", d.batchSize(), 1), Cli.doubleOpt(cl, "lr", d.learningRate()),
                Cli.doubleOpt(cl, "lr-decay", d.lrDecay()),
                Cli.intOpt(cl, "patience", d.patience(), 1), d.l2(), seed, Cli.intOpt(cl, "train-limit", 0, 0));
        Path out = Cli.output(cl, "runs/teacher-" + task.name());
        long t0 = System.nanoTime();
        System.err.println("loading " + task.name() + " data...");
        TaskData data = cl.hasOption("data")
                ? task.fromFiles(Cli.dataRequest(cl, false), seed, null)
                : task.load(Cli.dataHome(cl), seed, null);
        org.jvmcompress.core.task.ModelData.announce(data);
        System.err.printf("training %s on %d examples, validating on %d; run folder %s%n", arch,
                c.trainLimit() > 0 ? Math.min(c.trainLimit(), data.train().size()) : data.train().size(),
                data.validation().size(), out);
        Path model = out.resolve("teacher.zip");
        TrainedModels.Outcome r = TrainedModels.train(task, data, c, out, model, cl.hasOption("save-updater"),
                Cli.commandLine(name(), cl));
        double wall = (System.nanoTime() - t0) / 1e9;
        LoadedModel loaded = r.model();
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
