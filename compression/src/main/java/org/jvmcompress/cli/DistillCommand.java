package org.jvmcompress.cli;

import org.jvmcompress.core.task.ModelData;
import org.jvmcompress.core.task.Compatibility;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.distill.DistillRecipes;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.EvaluationReport;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.distill.Augmenter;
import org.jvmcompress.distill.Distillation;
import org.jvmcompress.distill.Knowledge;
import org.jvmcompress.distill.OfflineDistiller;
import org.jvmcompress.distill.loss.DecoupledKdLoss;
import org.jvmcompress.distill.loss.LogitLosses;

/** {@code distill}: trains a student from a teacher's outputs (offline, cached), then evaluates it. */
final class DistillCommand implements Command {
    @Override
    public String name() {
        return "distill";
    }

    @Override
    public String summary() {
        return "distil teachers into a smaller student: offline (cached outputs, feature/relation knowledge), mutual,"
                + " born-again, teacher labelling, teacher-expanded data";
    }

    @Override
    public Options options() {
        return Cli.withDataOptions(new Options()
                .addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
                        .desc("a run config (schema 2): its task, seed, teacher.model, data and distill sections;"
                                + " options given on the command line win").build())
                .addOption(Option.builder().longOpt("teacher").hasArgs().argName("FILE")
                        .desc("teacher model with its sidecar (task, classes, encoding and split seed come from the"
                                + " first); repeat for several teachers (offline, expand)").build())
                .addOption(Option.builder().longOpt("scheme").hasArg().argName("NAME")
                        .desc("how to distil: " + String.join(", ", org.jvmcompress.distill.Schemes.names()) + " (default offline)").build())
                .addOption(Option.builder().longOpt("student").hasArg().argName("ARCH")
                        .desc("student architecture: a task network, optionally with ,width=X ,depth=X"
                                + " ,blocks=separable, or file:MODEL.zip for the architecture of your own DL4J network (trained afresh);"
                                + " default cv-student / nlp-student; born-again: the teacher's").build())
                .addOption(Option.builder().longOpt("student-spec").hasArg().argName("ARCH").desc("same as --student").build())
                .addOption(Option.builder().longOpt("method").hasArg().argName("NAME")
                        .desc("loss: " + String.join(", ", LogitLosses.names()) + " (default kd)").build())
                .addOption(Option.builder().longOpt("temperature").hasArg().argName("T")
                        .desc("softening temperature (default: the value tuned for the task and loss, cv 1, nlp "
                                + DistillRecipes.kd("nlp").temperature() + ", kd-std " + DistillRecipes.defaults("cv",
                                "kd-std").temperature() + "; mutual: 1)").build())
                .addOption(Option.builder().longOpt("alpha").hasArg().argName("A")
                        .desc("weight of the teacher's term; the labels get 1 - alpha (default: the task's tuned"
                                + " value; mutual: 0.5)").build())
                .addOption(Option.builder().longOpt("beta").hasArg().argName("B")
                        .desc("dkd only: weight of the non-target classes' part (default "
                                + DistillRecipes.defaults("cv", "dkd").beta() + ", measured on Fashion-MNIST; the paper's "
                                + DecoupledKdLoss.DEFAULT_BETA + ")").build())
                .addOption(Option.builder().longOpt("teacher-mix").hasArg().argName("MIX")
                        .desc("several teachers: avg, confidence (per example, by the probability of the true class)"
                                + " or fixed weights W1,W2,... (default avg)").build())
                .addOption(Option.builder().longOpt("peers").hasArg().argName("ARCH;ARCH...")
                        .desc("mutual: the other networks' architectures, separated by ; (default one more student)").build())
                .addOption(Option.builder().longOpt("generations").hasArg().argName("N").desc("born-again generations (default 2)").build())
                .addOption(Option.builder().longOpt("pool").hasArg().argName("DIR|train")
                        .desc("label: unlabelled images/texts the teacher labels (added to the training split), or"
                                + " 'train' for the training split with its labels hidden (default)").build())
                .addOption(Option.builder().longOpt("threshold").hasArg().argName("P")
                        .desc("label: least teacher confidence for an item to be kept (default 0.9)").build())
                .addOption(Option.builder().longOpt("augment").hasArg().argName("SPEC")
                        .desc("expand (and --teacher-views): augmentations, images " + Augmenter.IMAGE_DEFAULT + "; text "
                                + Augmenter.TEXT_DEFAULT + " (defaults)").build())
                .addOption(Option.builder().longOpt("rounds").hasArg().argName("N")
                        .desc("expand: augmentation rounds, teacher outputs cached per round (default 8)").build())
                .addOption(Option.builder().longOpt("teacher-views").hasArg().argName("N")
                        .desc("offline: each teacher's target averaged over the clean input and N augmented versions"
                                + " (--augment, default images " + Augmenter.IMAGE_VIEWS + ", text "
                                + Augmenter.TEXT_VIEWS + "); softer targets where a teacher is near-certain on its"
                                + " own training data; the student sees the clean input (default 0)").build())
                .addOption(Option.builder().longOpt("epochs").hasArg().argName("N")
                        .desc("maximum epochs (default: the task's student schedule, cv 60, nlp 15)").build())
                .addOption(Option.builder().longOpt("batch").hasArg().argName("N").desc("mini-batch size").build())
                .addOption(Option.builder().longOpt("lr").hasArg().argName("X").desc("Adam learning rate").build())
                .addOption(Option.builder().longOpt("lr-decay").hasArg().argName("X")
                        .desc("learning-rate factor per epoch (default: cv 0.95, nlp 0.8)").build())
                .addOption(Option.builder().longOpt("patience").hasArg().argName("N")
                        .desc("early-stopping patience (default: cv 10, nlp 3)").build())
                .addOption(Option.builder().longOpt("train-limit").hasArg().argName("N").desc("first N training examples only").build())
                .addOption(Option.builder().longOpt("scheme-option").hasArgs().argName("KEY=VALUE")
                        .desc("an option of the scheme's own (repeatable); the built-in schemes use the options"
                                + " above").build())
                .addOption(Option.builder().longOpt("feature").hasArgs().argName("KIND:TEACHER:STUDENT[:WEIGHT[:MAP]]")
                        .desc("feature/relation knowledge, repeatable; KIND one of "
                                + String.join(", ", org.jvmcompress.distill.loss.KnowledgeKinds.names())
                                + "; e.g. at:conv4_relu:conv2:100 or sp:fc:fc:3000; numbered layers by pattern,"
                                + " paired by a layer map (uniform or last), e.g. hint:enc*:enc*:1:uniform").build())
                .addOption(Option.builder().longOpt("tune").hasArg().argName("GRID")
                        .desc("choose temperature and alpha on the validation split first, e.g."
                                + " 'temperature=1,2,4;alpha=0.5,0.9' (each pair trained --tune-epochs epochs; the best"
                                + " then trains in full); writes tuning.json and tuning.md").build())
                .addOption(Option.builder().longOpt("tune-epochs").hasArg().argName("N")
                        .desc("epochs per tuning run (default 5)").build())
                .addOption(Option.builder().longOpt("no-speed").desc("skip the latency/throughput measurement").build()));
    }

    @Override
    public int run(CommandLine given) {
        CommandLine cl = Cli.withConfig(given, Main.withCommon(options()));
        String[] teacherFiles = cl.getOptionValues("teacher");
        if (teacherFiles == null) {
            throw new CompressionException("distill needs --teacher FILE (on the command line or in --config)");
        }
        List<LoadedModel> teachers = new ArrayList<>();
        for (String f : teacherFiles) {
            teachers.add(Models.load(Path.of(f)));
        }
        // The first teacher's data (its own, or what --data names) is every teacher's and the student's.
        org.jvmcompress.core.task.ModelData.Resolved resolved = Cli.data(cl, teachers.get(0), "teacher", true, false);
        TaskData data = resolved.data();
        teachers.set(0, resolved.model());
        for (int i = 1; i < teachers.size(); i++) {
            LoadedModel t = teachers.get(i);
            Compatibility.check(t, data, "teacher " + t.path());
            if (t.info() == null) {
                teachers.set(i, t.withInfo(ModelData.describing(data.task(),
                        t.format() + ":" + t.path().getFileName(), data)));
            } else if (!t.info().labels().equals(data.labels())) {
                throw new CompressionException("teacher " + t.path() + " has the classes " + t.info().labels()
                        + ", the first teacher's data " + data.labels());
            }
        }
        LoadedModel teacher = teachers.get(0);
        Task task = Tasks.get(teacher.info().task());
        for (LoadedModel t : teachers) {
            if (!t.info().task().equals(task.name())) {
                throw new CompressionException("teacher " + t.path() + " is for task " + t.info().task() + ", not "
                        + task.name());
            }
        }
        String scheme = cl.getOptionValue("scheme", "offline");
        boolean mutual = scheme.equals("mutual");
        String loss = cl.getOptionValue("method", "kd");
        OfflineDistiller.Method tuned = DistillRecipes.defaults(task.name(), loss);
        OfflineDistiller.Method method = new OfflineDistiller.Method(loss,
                Cli.doubleOpt(cl, "temperature", mutual ? 1 : tuned.temperature()),
                Cli.doubleOpt(cl, "alpha", mutual ? 0.5 : tuned.alpha()), Cli.doubleOpt(cl, "beta", tuned.beta()));
        LogitLosses.checkClasses(method.loss(), teacher.info().numClasses());
        if (cl.hasOption("beta") && !method.loss().equals("dkd")) {
            throw new UsageException("--beta is the weight of dkd's non-target part; the method here is "
                    + method.loss());
        }
        String defaultStudent = scheme.equals("born-again") ? teacher.info().architecture() : task.studentArchitecture();
        String arch = Tasks.checkArchitecture(task, cl.getOptionValue("student", cl.getOptionValue("student-spec",
                defaultStudent)));
        List<String> peers = new ArrayList<>();
        if (cl.hasOption("peers")) {
            for (String p : cl.getOptionValue("peers").split(";")) {
                peers.add(Tasks.checkArchitecture(task, p.trim()));
            }
        }
        Distillation.Plan plan = new Distillation.Plan(scheme, method, features(cl.getOptionValues("feature")),
                cl.getOptionValue("teacher-mix", "avg"), peers, Cli.intOpt(cl, "generations", 2, 1),
                cl.getOptionValue("pool", "train"), Cli.doubleOpt(cl, "threshold", 0.9), cl.getOptionValue("augment"),
                Cli.intOpt(cl, "rounds", 8, 1), Cli.intOpt(cl, "teacher-views", 0, 0),
                schemeOptions(cl.getOptionValues("scheme-option")));
        TrainConfig d = task.defaultConfig();
        DistillRecipes.Schedule sch = DistillRecipes.schedule(task.name(), data.train().size());
        if (!sch.equals(DistillRecipes.schedule(task.name()))) {
            System.err.printf(java.util.Locale.ROOT, "student schedule: %d epochs, learning rate x%.3f an epoch, patience"
                    + " %d (the task's, stretched for %,d training items)%n", sch.epochs(), sch.lrDecay(), sch.patience(),
                    data.train().size());
        }
        TrainConfig c = new TrainConfig(arch, Cli.intOpt(cl, "epochs", sch.epochs(), 1),
                Cli.intOpt(cl, "batch", d.batchSize(), 1), Cli.doubleOpt(cl, "lr", d.learningRate()),
                Cli.doubleOpt(cl, "lr-decay", sch.lrDecay()), Cli.intOpt(cl, "patience", sch.patience(), 1), d.l2(),
                Cli.seed(cl), Cli.intOpt(cl, "train-limit", 0, 0));
        Path out = Cli.output(cl, "runs/distill-" + task.name());
        if (plan.pool() != null && !plan.pool().equals("train") && data.source() != null) {
            Path pool = Path.of(plan.pool());
            data = data.withSource(data.source().withPool(org.jvmcompress.core.data.DataFiles.part(pool,
                    java.nio.file.Files.isDirectory(pool) ? "unlabelled-folder" : "text-lines", null)));
        }
        System.err.printf("distilling %s -> %s, scheme %s, %s; run folder %s%n", teacherFiles.length == 1
                ? teacher.path() : java.util.Arrays.toString(teacherFiles), arch, scheme, method, out);
        if (cl.hasOption("tune")) {
            plan = org.jvmcompress.distill.Tuning.best(plan, org.jvmcompress.distill.Tuning.Grid.parse(
                    cl.getOptionValue("tune"), plan.method()), Cli.intOpt(cl, "tune-epochs", 5, 1), teachers, task,
                    data, c, out, Cli.dataHome(cl).dir("teacher-outputs"), Cli.commandLine(name(), cl));
        }
        Distillation.Result r = Distillation.run(plan, teachers, task, data, c, out, out.resolve("student.zip"),
                Cli.dataHome(cl).dir("teacher-outputs"), Cli.commandLine(name(), cl));
        EvaluationReport rep = Evaluator.evaluate(r.outcome().model(), data,
                cl.hasOption("no-speed") ? Evaluator.SpeedSettings.NONE : Evaluator.SpeedSettings.DEFAULT, teacher);
        Json.writeFile(out.resolve("evaluation.json"), rep);
        if (!r.details().isEmpty()) {
            Json.writeFile(out.resolve("distillation.json"), r.details());
            System.out.println(Json.write(r.details()));
        }
        System.out.print(Render.text(rep));
        return 0;
    }

    /** {@code --scheme-option KEY=VALUE}, repeatable: a scheme's own options (the scheme checks the keys). */
    static java.util.Map<String, String> schemeOptions(String[] specs) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String spec : specs == null ? new String[0] : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--scheme-option takes KEY=VALUE, got '" + spec + "'");
            }
            if (out.put(spec.substring(0, eq).trim(), spec.substring(eq + 1).trim()) != null) {
                throw new UsageException("--scheme-option " + spec.substring(0, eq).trim() + " given twice");
            }
        }
        return out;
    }

    static List<Knowledge> features(String[] specs) {
        List<Knowledge> out = new ArrayList<>();
        for (String s : specs == null ? new String[0] : specs) {
            out.add(Knowledge.parse(s));
        }
        return out;
    }
}
