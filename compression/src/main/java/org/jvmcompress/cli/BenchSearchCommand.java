package org.jvmcompress.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.bench.SearchBenchmark;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.nas.Search;
import org.jvmcompress.nas.Strategy;
import org.jvmcompress.nas.Sweep;

/** {@code bench-search}: each strategy under the same time budget; fronts, full results and plots (resumable). */
final class BenchSearchCommand implements Command {
    @Override
    public String name() {
        return "bench-search";
    }

    @Override
    public String summary() {
        return "architecture search benchmark: each strategy under one time budget, fronts re-distilled in full,"
                + " docs/results/nas.json + table + Pareto plot; resumable per strategy";
    }

    @Override
    public Options options() {
        return Cli.withDataOptions(new Options()
                .addOption(Option.builder().longOpt("teacher").hasArg().argName("FILE").required().build())
                .addOption(Option.builder().longOpt("baseline").hasArg().argName("FILE")
                        .desc("the hand-designed student to compare with (default models/reference/<task>-student.zip)")
                        .build())
                .addOption(Option.builder().longOpt("strategies").hasArg().argName("LIST")
                        .desc("default random,grid,evolution,arbiter-random,arbiter-grid,arbiter-genetic").build())
                .addOption(Option.builder().longOpt("budget-minutes").hasArg().argName("M").desc("per strategy, default 30")
                        .build())
                .addOption(Option.builder().longOpt("proxy-epochs").hasArg().argName("N").desc("default 1").build())
                .addOption(Option.builder().longOpt("proxy-limit").hasArg().argName("N").desc("default 5000").build())
                .addOption(Option.builder().longOpt("full-epochs").hasArg().argName("N")
                        .desc("full distillation of the front's members (default 15, as the baseline's)").build())
                .addOption(Option.builder().longOpt("full-max").hasArg().argName("N")
                        .desc("front members distilled in full per strategy, from the accuracy/parameters front: the"
                                + " most accurate within the baseline's parameters and within half of them, then spread"
                                + " from the smallest (default 4; 0: the whole front); an architecture two strategies"
                                + " found is distilled once").build())
                .addOption(Option.builder().longOpt("full-max-minutes").hasArg().argName("M")
                        .desc("leave out of the full distillation the front members that would take longer, by their"
                                + " proxy's time scaled to all the data and epochs (default 30; 0: no limit)").build())
                .addOption(Option.builder().longOpt("max-params").hasArg().argName("N")
                        .desc("hard limit (default: the baseline's parameters)").build())
                .addOption(Option.builder().longOpt("results").hasArg().argName("FILE")
                        .desc("results JSON (a .md and a .png per task beside it); default <output>/nas.json").build()));
    }

    @Override
    public int run(CommandLine cl) {
        int fullMax = Cli.intOpt(cl, "full-max", 4, 0);
        double maxFullSeconds = 60 * Cli.doubleOpt(cl, "full-max-minutes", 30, 0);
        SearchCommand.Teacher given = SearchCommand.Teacher.of(cl);
        LoadedModel teacher = given.model();
        Task task = given.task();
        TaskData data = given.data();
        if (!cl.hasOption("baseline") && (data.source() == null || !data.source().isBuiltin())) {
            throw new CompressionException("the default baseline is the reference student of the built-in "
                    + task.name() + " data, but this teacher's data is " + (data.source() == null ? "other data"
                    : data.source().describe()) + "; name the hand-made student for it with --baseline FILE");
        }
        String home = System.getenv("COMPRESSION_HOME");
        LoadedModel base = Models.load(Path.of(cl.getOptionValue("baseline", Path.of(home == null ? "." : home,
                "models", "reference", task.name() + "-student.zip").toString())));
        Map<String, Object> baseline = new java.util.LinkedHashMap<>(); // in this order in nas.json on every run
        baseline.put("acc", Evaluator.accuracy(base.graph(), data.test()));
        baseline.put("params", base.numParams());
        baseline.put("arch", base.info() == null ? base.path().getFileName().toString() : base.info().architecture());
        Path out = Cli.output(cl, "runs/bench-search");
        Path results = Path.of(cl.getOptionValue("results", out.resolve("nas.json").toString()));
        double budget = 60 * Cli.doubleOpt(cl, "budget-minutes", 30);
        long maxParams = Cli.longOpt(cl, "max-params", base.numParams(), 1);
        String command = Cli.commandLine("bench-search", cl);
        Map<String, Object> all = null;
        for (String name : cl.getOptionValue("strategies", "random,grid,evolution,arbiter-random,arbiter-grid,arbiter-genetic").split(",")) {
            Strategy strategy = Strategy.of(name.trim(), 10, 3, 10_000, Cli.seed(cl), 1);
            Sweep.Settings s = new Sweep.Settings(100_000, budget, 0, 1, Cli.seed(cl),
                    new Sweep.Constraints(maxParams, null, null));
            Map<String, Object> r = SearchCommand.search(teacher, task, data, Search.spaceFor(task.name(),
                            teacher.graph(), data.inputShape()), strategy, s, out.resolve(task.name()).resolve(name.trim()),
                    Cli.intOpt(cl, "proxy-epochs", 1, 1), Cli.intOpt(cl, "proxy-limit", 5000, 1),
                    Cli.intOpt(cl, "full-epochs", 15, 0), Cli.dataHome(cl), command, fullMax,
                    out.resolve(task.name()).resolve("full"), maxFullSeconds,
                    // the targets: the most accurate within the baseline's parameters, and within half of them
                    base.numParams(), base.numParams() / 2);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> front = (List<Map<String, Object>>) r.get("front");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> full = (List<Map<String, Object>>) r.get("retrained");
            Map<String, Object> entry = new java.util.LinkedHashMap<>();
            entry.put("budget_s", budget);
            entry.put("spent_s", r.get("spent_s"));
            entry.put("candidates", r.get("candidates"));
            entry.put("front", SearchBenchmark.front(front, full));
            if (r.containsKey("not_distilled")) {
                entry.put("not_distilled", r.get("not_distilled"));
            }
            if (SearchBenchmark.finite(r.get("spearman_proxy_vs_full")) != null) { // none over fewer than two members
                entry.put("spearman_proxy_vs_full", r.get("spearman_proxy_vs_full"));
            }
            all = SearchBenchmark.merge(results, task.name(), baseline, command, name.trim(), entry);
            @SuppressWarnings("unchecked")
            Map<String, Object> t = (Map<String, Object>) all.get(task.name());
            SearchBenchmark.plot(t, task.name(), results.resolveSibling(results.getFileName().toString()
                    .replace(".json", "") + "-" + task.name() + ".png"));
            org.jvmcompress.core.util.AtomicFiles.writeString(results.resolveSibling(results.getFileName().toString()
                    .replace(".json", ".md")), SearchBenchmark.markdown(all));
        }
        System.out.print(SearchBenchmark.markdown(all));
        return 0;
    }
}
