package org.jvmcompress.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.EvaluationReport;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.distill.FeatureDistiller;
import org.jvmcompress.distill.Knowledge;
import org.jvmcompress.distill.OfflineDistiller;
import org.jvmcompress.distill.loss.LogitLosses;

/** {@code distill}: trains a student from a teacher's outputs (offline, cached), then evaluates it. */
final class DistillCommand implements Command {
    @Override
    public String name() {
        return "distill";
    }

    @Override
    public String summary() {
        return "distil a teacher into a smaller student with a response-based loss (offline, cached teacher outputs)";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("teacher").hasArg().argName("FILE").required()
                        .desc("teacher model with its sidecar (task, classes, encoding and split seed come from it)").build())
                .addOption(Option.builder().longOpt("student").hasArg().argName("ARCH")
                        .desc("student architecture of the task (default: cv-student / nlp-student)").build())
                .addOption(Option.builder().longOpt("method").hasArg().argName("NAME")
                        .desc("loss: " + String.join(", ", LogitLosses.names()) + " (default kd)").build())
                .addOption(Option.builder().longOpt("temperature").hasArg().argName("T").desc("softening temperature (default 4)").build())
                .addOption(Option.builder().longOpt("alpha").hasArg().argName("A")
                        .desc("weight of the teacher's term; the labels get 1 - alpha (default 0.9)").build())
                .addOption(Option.builder().longOpt("epochs").hasArg().argName("N").desc("maximum epochs (default 15)").build())
                .addOption(Option.builder().longOpt("batch").hasArg().argName("N").desc("mini-batch size").build())
                .addOption(Option.builder().longOpt("lr").hasArg().argName("X").desc("Adam learning rate").build())
                .addOption(Option.builder().longOpt("lr-decay").hasArg().argName("X").desc("learning-rate factor per epoch").build())
                .addOption(Option.builder().longOpt("patience").hasArg().argName("N").desc("early-stopping patience").build())
                .addOption(Option.builder().longOpt("train-limit").hasArg().argName("N").desc("first N training examples only").build())
                .addOption(Option.builder().longOpt("feature").hasArgs().argName("KIND:TEACHER:STUDENT[:WEIGHT]")
                        .desc("feature/relation knowledge, repeatable: hint (FitNets, adapter learned), at (attention"
                                + " maps), rkd-d, rkd-a, sp; e.g. at:conv4_relu:conv2:100 or sp:fc:fc:3000").build())
                .addOption(Option.builder().longOpt("no-speed").desc("skip the latency/throughput measurement").build());
    }

    @Override
    public int run(CommandLine cl) {
        LoadedModel teacher = Models.load(Path.of(cl.getOptionValue("teacher")));
        if (teacher.info() == null) {
            throw new CompressionException("teacher " + teacher.path() + " has no sidecar (.json) naming its task, classes"
                    + " and data split; distillation needs it to use the same split");
        }
        Task task = Tasks.get(teacher.info().task());
        OfflineDistiller.Method method = new OfflineDistiller.Method(cl.getOptionValue("method", "kd"),
                Cli.doubleOpt(cl, "temperature", 4), Cli.doubleOpt(cl, "alpha", 0.9));
        String arch = Tasks.checkArchitecture(task, cl.getOptionValue("student", task.studentArchitecture()));
        TrainConfig d = task.defaultConfig();
        TrainConfig c = new TrainConfig(arch, Cli.intOpt(cl, "epochs", 15, 1), Cli.intOpt(cl, "batch", d.batchSize(), 1),
                Cli.doubleOpt(cl, "lr", d.learningRate()), Cli.doubleOpt(cl, "lr-decay", d.lrDecay()),
                Cli.intOpt(cl, "patience", 3, 1), d.l2(), Cli.seed(cl), Cli.intOpt(cl, "train-limit", 0, 0));
        Path out = Cli.output(cl, "runs/distill-" + task.name());
        // The teacher's own split: its validation and test examples stay unseen by it and by the student.
        TaskData data = task.load(Cli.dataHome(cl), teacher.info().seed(), teacher.info());
        System.err.printf("distilling %s -> %s with %s; run folder %s%n", teacher.path(), arch, method, out);
        List<Knowledge> features = features(cl.getOptionValues("feature"));
        TrainedModels.Outcome r = features.isEmpty()
                ? OfflineDistiller.distil(teacher, task, data, method, c, out, out.resolve("student.zip"),
                        Cli.dataHome(cl).dir("teacher-outputs"), Cli.commandLine(name(), cl))
                : FeatureDistiller.distil(teacher, task, data, method, features, c, out, out.resolve("student.zip"),
                        Cli.commandLine(name(), cl));
        EvaluationReport rep = Evaluator.evaluate(r.model(), data,
                cl.hasOption("no-speed") ? Evaluator.SpeedSettings.NONE : Evaluator.SpeedSettings.DEFAULT, teacher);
        Json.writeFile(out.resolve("evaluation.json"), rep);
        System.out.print(Render.text(rep));
        return 0;
    }

    static List<Knowledge> features(String[] specs) {
        List<Knowledge> out = new ArrayList<>();
        if (specs == null) {
            return out;
        }
        for (String s : specs) {
            String[] parts = s.split(":");
            if (parts.length != 3 && parts.length != 4) {
                throw new CompressionException("--feature must be KIND:TEACHER_LAYER:STUDENT_LAYER[:WEIGHT], got '" + s + "'");
            }
            double w;
            try {
                w = parts.length == 4 ? Double.parseDouble(parts[3]) : 1.0;
            } catch (NumberFormatException e) {
                throw new CompressionException("--feature weight must be a number, got '" + parts[3] + "' in '" + s + "'");
            }
            out.add(new Knowledge(parts[0], parts[1], parts[2], w));
        }
        return out;
    }
}
