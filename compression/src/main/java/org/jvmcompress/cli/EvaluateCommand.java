package org.jvmcompress.cli;

import org.jvmcompress.core.task.Compatibility;
import java.nio.file.Path;
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
import org.jvmcompress.core.util.Json;

/** {@code evaluate}: every measurement of a model on its task's held-out test split. */
final class EvaluateCommand implements Command {
    @Override
    public String name() {
        return "evaluate";
    }

    @Override
    public String summary() {
        return "accuracy, per-class precision/recall/F1, confusion matrix, size, latency and agreement of a model";
    }

    @Override
    public Options options() {
        return Cli.withDataOptions(new Options()
                .addOption(Option.builder("m").longOpt("model").hasArg().argName("FILE").required()
                        .desc("model file (" + String.join(", ", Models.formatNames()) + ")").build())
                .addOption(Option.builder().longOpt("data").hasArg().argName("PATH")
                        .desc("test data instead of the model's own test split (default: the data its sidecar records):"
                                + " images: a folder per class of PNG/JPEG or a folder with an IDX pair; text: .csv or"
                                + " .jsonl with text,label, or a folder per class").build())
                .addOption(Option.builder().longOpt("compare").hasArg().argName("FILE")
                        .desc("second model: report the agreement of the two models' predictions").build())
                .addOption(Option.builder().longOpt("ensemble").hasArg().argName("FILE,...")
                        .desc("also the accuracy of each of these models and of the ensemble of all (the --model"
                                + " included; class probabilities averaged) on the same test data").build())
                .addOption(Option.builder().longOpt("no-speed").desc("skip the latency/throughput measurement").build())
                .addOption(Option.builder().longOpt("json").desc("also write evaluation.json into --output (and ensemble.json with --ensemble)").build()));
    }

    @Override
    public int run(CommandLine cl) {
        LoadedModel m = Models.load(Path.of(cl.getOptionValue("model")));
        org.jvmcompress.core.task.ModelData.Resolved resolved = Cli.data(cl, m, "model", false, true);
        m = resolved.model();
        TaskData data = resolved.data();
        LoadedModel other = cl.hasOption("compare") ? Models.load(Path.of(cl.getOptionValue("compare"))) : null;
        EvaluationReport rep = Evaluator.evaluate(m, data,
                cl.hasOption("no-speed") ? Evaluator.SpeedSettings.NONE : Evaluator.SpeedSettings.DEFAULT, other);
        System.out.print(Render.text(rep));
        java.util.Map<String, Object> ensemble = null;
        if (cl.hasOption("ensemble")) {
            ensemble = new java.util.LinkedHashMap<>();
            java.util.List<Object> members = new java.util.ArrayList<>();
            ensemble.put("members", members);
            java.util.List<org.jvmcompress.core.eval.Predictions> all = new java.util.ArrayList<>();
            all.add(org.jvmcompress.core.eval.Predictions.of(m.inference(), data.test(), 256));
            members.add(java.util.Map.of("model", m.path().toString(), "accuracy", all.get(0).accuracy()));
            for (String f : cl.getOptionValue("ensemble").split(",")) {
                LoadedModel e = Models.load(Path.of(f.trim()));
                Compatibility.check(e, data, "model " + e.path());
                all.add(org.jvmcompress.core.eval.Predictions.of(e.inference(), data.test(), 256));
                System.out.printf(java.util.Locale.ROOT, "ensemble member %s: accuracy %.4f%n", e.path(),
                        all.get(all.size() - 1).accuracy());
                members.add(java.util.Map.of("model", e.path().toString(), "accuracy",
                        all.get(all.size() - 1).accuracy()));
            }
            double acc = org.jvmcompress.core.eval.Predictions.average(all).accuracy();
            System.out.printf(java.util.Locale.ROOT, "ensemble of %d models (probabilities averaged): accuracy %.4f%n",
                    all.size(), acc);
            ensemble.put("test_examples", data.test().size());
            ensemble.put("ensemble_accuracy", acc);
        }
        if (cl.hasOption("json")) {
            Path out = Cli.output(cl, "runs/evaluate");
            Json.writeFile(out.resolve("evaluation.json"), rep);
            System.err.println("wrote " + out.resolve("evaluation.json"));
            if (ensemble != null) {
                ensemble.put("command", Cli.commandLine(name(), cl));
                Json.writeFile(out.resolve("ensemble.json"), ensemble);
                System.err.println("wrote " + out.resolve("ensemble.json"));
            }
        }
        return 0;
    }
}
