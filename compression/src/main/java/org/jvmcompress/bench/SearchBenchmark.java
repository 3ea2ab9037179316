package org.jvmcompress.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jvmcompress.core.util.Json;

/**
 * The search benchmark's table and plot: per task the baseline student and, per strategy, its budget, its candidates
 * and its Pareto front (each member's proxy accuracy, and its test accuracy after the full distillation when run),
 * in {@code docs/results/nas.json}, a Markdown table and a PNG per task (test or proxy accuracy against parameters).
 */
public final class SearchBenchmark {
    private SearchBenchmark() {}

    /** Merges one strategy's result into the results file (kept across runs and sessions). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> merge(Path results, String task, Map<String, Object> baseline, String command,
                                            String strategy, Map<String, Object> entry) {
        Map<String, Object> all = Files.isRegularFile(results) ? Json.read(results, LinkedHashMap.class, "nas results")
                : new LinkedHashMap<>();
        Map<String, Object> t = (Map<String, Object>) all.computeIfAbsent(task, k -> new LinkedHashMap<>());
        t.put("baseline", baseline);
        t.put("command", command); // the command that reproduces this task's table
        Map<String, Object> s = (Map<String, Object>) t.computeIfAbsent("strategies", k -> new LinkedHashMap<>());
        s.put(strategy, entry);
        double[][] pairs = proxyAndFull(t);
        if (pairs[0].length >= 2) {
            double rho = org.jvmcompress.nas.Search.spearman(pairs[0], pairs[1]);
            if (Double.isFinite(rho)) { // not when every rank ties
                t.put("spearman_proxy_vs_full", rho);
            } else {
                t.remove("spearman_proxy_vs_full");
            }
            t.put("distilled_in_full", pairs[0].length);
        }
        Json.writeFile(results, all);
        return all;
    }

    /** A front member distilled in full, with the strategy that found it. */
    private record Distilled(String strategy, String arch, long params, double acc, double proxyAcc) {}

    /** Every front member of every strategy of a task that was distilled in full (has a test accuracy). */
    @SuppressWarnings("unchecked")
    private static List<Distilled> distilled(Map<String, Object> task) {
        List<Distilled> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) task.get("strategies")).entrySet()) {
            for (Map<String, Object> f : (List<Map<String, Object>>) ((Map<String, Object>) e.getValue()).get("front")) {
                if (f.get("acc") != null) {
                    out.add(new Distilled(e.getKey(), (String) f.get("arch"), ((Number) f.get("params")).longValue(),
                            ((Number) f.get("acc")).doubleValue(), ((Number) f.get("proxy_acc")).doubleValue()));
                }
            }
        }
        return out;
    }

    /**
     * The search's targets against the baseline, from the members distilled in full: the most accurate one that
     * dominates it (more accurate at no more parameters), and the most accurate one with at most half its parameters
     * and whether it is within 0.5 points.
     */
    @SuppressWarnings("unchecked")
    static String targets(Map<String, Object> task) {
        Map<String, Object> base = (Map<String, Object>) task.get("baseline");
        double acc = ((Number) base.get("acc")).doubleValue();
        long params = ((Number) base.get("params")).longValue();
        java.util.Comparator<Distilled> byAcc = java.util.Comparator.comparingDouble(Distilled::acc);
        Distilled dom = distilled(task).stream().filter(d -> d.acc() > acc && d.params() <= params).max(byAcc)
                .orElse(null);
        Distilled half = distilled(task).stream().filter(d -> 2 * d.params() <= params).max(byAcc).orElse(null);
        StringBuilder sb = new StringBuilder("\n");
        sb.append(dom == null ? "No member distilled in full beats the baseline at no more parameters.\n"
                : String.format(Locale.ROOT, "Dominates the baseline: `%s` (%s), %.2f %% at %,d parameters.%n",
                dom.arch(), dom.strategy(), 100 * dom.acc(), dom.params()));
        sb.append(half == null ? "No member distilled in full has at most half the baseline's parameters.\n"
                : String.format(Locale.ROOT, "Best with at most half the baseline's parameters: `%s` (%s), %.2f %% at"
                        + " %,d parameters (%.0f %%), %.2f points %s the baseline: %s 0.5 points.%n", half.arch(),
                half.strategy(), 100 * half.acc(), half.params(), 100.0 * half.params() / params,
                Math.abs(100 * (half.acc() - acc)), half.acc() >= acc ? "above" : "below",
                half.acc() >= acc - 0.005 ? "within" : "not within"));
        return sb.toString();
    }

    /** Proxy and full accuracy of every architecture distilled in full by any strategy of a task (once each). */
    static double[][] proxyAndFull(Map<String, Object> task) {
        Map<String, Distilled> byArch = new LinkedHashMap<>();
        distilled(task).forEach(d -> byArch.putIfAbsent(d.arch(), d));
        return new double[][] {byArch.values().stream().mapToDouble(Distilled::proxyAcc).toArray(),
                byArch.values().stream().mapToDouble(Distilled::acc).toArray()};
    }

    /**
     * A correlation read from the results: null unless a finite number (a Spearman over one member is NaN, which the
     * JSON file holds as the string "NaN", as files written before this check do).
     */
    public static Double finite(Object o) {
        return o instanceof Number x && Double.isFinite(x.doubleValue()) ? x.doubleValue() : null;
    }

    @SuppressWarnings("unchecked")
    public static String markdown(Map<String, Object> all) {
        StringBuilder sb = new StringBuilder("# Architecture search results\n");
        for (Map.Entry<String, Object> t : all.entrySet()) {
            Map<String, Object> task = (Map<String, Object>) t.getValue();
            Map<String, Object> base = (Map<String, Object>) task.get("baseline");
            sb.append(String.format(Locale.ROOT, "%n## %s%n", t.getKey()));
            if (task.get("command") != null) {
                sb.append(String.format(Locale.ROOT, "%nReproduce with:%n%n    %s%n", task.get("command")));
            }
            sb.append(String.format(Locale.ROOT, "%nBaseline: %s, %,d parameters, %.2f %% test accuracy.%n",
                    base.get("arch"), ((Number) base.get("params")).longValue(),
                    100 * ((Number) base.get("acc")).doubleValue()));
            sb.append(targets(task));
            if (finite(task.get("spearman_proxy_vs_full")) != null) {
                sb.append(String.format(Locale.ROOT, "%nProxy accuracy against accuracy after the full distillation,"
                                + " over the %s architectures distilled in full: Spearman %.3f.%n",
                        task.get("distilled_in_full"), finite(task.get("spearman_proxy_vs_full"))));
            }
            Map<String, Object> strategies = (Map<String, Object>) task.get("strategies");
            for (Map.Entry<String, Object> s : strategies.entrySet()) {
                Map<String, Object> e = (Map<String, Object>) s.getValue();
                sb.append(String.format(Locale.ROOT, "%n### %s: %s candidates in %.0f s (budget %.0f s)%n%n"
                                + "| proxy acc | test acc | params | bytes | b1 ms | architecture |%n|---|---|---|---|---|---|%n",
                        s.getKey(), e.get("candidates"), ((Number) e.get("spent_s")).doubleValue(),
                        ((Number) e.get("budget_s")).doubleValue()));
                for (Map<String, Object> f : (List<Map<String, Object>>) e.get("front")) {
                    sb.append(String.format(Locale.ROOT, "| %.4f | %s | %,d | %,d | %.3f | `%s` |%n",
                            ((Number) f.get("proxy_acc")).doubleValue(), f.get("acc") == null ? ""
                                    : String.format(Locale.ROOT, "%.2f %%", 100 * ((Number) f.get("acc")).doubleValue()),
                            ((Number) f.get("params")).longValue(), ((Number) f.get("bytes")).longValue(),
                            ((Number) f.get("b1_ms")).doubleValue(), f.get("arch")));
                }
                if (e.containsKey("not_distilled")) {
                    sb.append("\nNot distilled in full:\n");
                    for (Map<String, Object> n : (List<Map<String, Object>>) e.get("not_distilled")) {
                        sb.append("- `").append(n.get("arch")).append("`: ").append(n.get("reason")).append('\n');
                    }
                }
                if (finite(e.get("spearman_proxy_vs_full")) != null) {
                    sb.append(String.format(Locale.ROOT, "%nSpearman (proxy vs full accuracy on the front): %.3f%n",
                            finite(e.get("spearman_proxy_vs_full"))));
                }
            }
        }
        return sb.toString();
    }

    /**
     * Two panels over one logarithmic parameter axis: above, the test accuracy of the members distilled in full (each
     * strategy) and the baseline; below, every strategy's front by proxy accuracy (the short distillation's scale).
     */
    @SuppressWarnings("unchecked")
    public static void plot(Map<String, Object> task, String name, Path png) {
        XYSeriesCollection full = new XYSeriesCollection();
        XYSeriesCollection proxy = new XYSeriesCollection();
        Map<String, Object> strategies = (Map<String, Object>) task.get("strategies");
        for (Map.Entry<String, Object> s : strategies.entrySet()) {
            XYSeries f = new XYSeries(s.getKey() + " (distilled in full)");
            XYSeries p = new XYSeries(s.getKey() + " front (proxy)");
            for (Map<String, Object> m : (List<Map<String, Object>>) ((Map<String, Object>) s.getValue()).get("front")) {
                double params = ((Number) m.get("params")).doubleValue();
                p.add(params, 100 * ((Number) m.get("proxy_acc")).doubleValue());
                if (m.get("acc") != null) {
                    f.add(params, 100 * ((Number) m.get("acc")).doubleValue());
                }
            }
            full.addSeries(f);
            proxy.addSeries(p);
        }
        Map<String, Object> base = (Map<String, Object>) task.get("baseline");
        XYSeries b = new XYSeries("baseline " + base.get("arch"));
        b.add(((Number) base.get("params")).doubleValue(), 100 * ((Number) base.get("acc")).doubleValue());
        full.addSeries(b);
        LogAxis x = new LogAxis("parameters");
        x.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
        x.setBase(10);
        x.setSmallestValue(100);
        org.jfree.chart.plot.CombinedDomainXYPlot plot = new org.jfree.chart.plot.CombinedDomainXYPlot(x);
        plot.add(panel(full, "test accuracy after full distillation (%)", true), 3);
        plot.add(panel(proxy, "proxy accuracy (%)", false), 2);
        JFreeChart chart = new JFreeChart("Architecture search, " + name + ": accuracy against parameters",
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        Charts.save(chart, png, 900, 700);
    }

    private static XYPlot panel(XYSeriesCollection data, String label, boolean baselineLast) {
        NumberAxis y = new NumberAxis(label);
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesStroke(i, new BasicStroke(1.5f));
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        if (baselineLast) {
            r.setSeriesPaint(data.getSeriesCount() - 1, Color.BLACK);
        }
        XYPlot plot = new XYPlot(data, null, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    /** One colour per strategy, the same in both panels. */
    private static final Color[] PALETTE = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C),
            new Color(0xFF7F0E), new Color(0x9467BD), new Color(0x8C564B)};

    /** The front entries with full results merged in by architecture. */
    public static List<Map<String, Object>> front(List<Map<String, Object>> front, List<Map<String, Object>> full) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> f : front) {
            Map<String, Object> e = new LinkedHashMap<>();
            Object test = full == null ? null : full.stream().filter(m -> m.get("arch").equals(f.get("arch")))
                    .map(m -> m.get("test_acc")).findFirst().orElse(null);
            e.put("acc", test);
            e.put("proxy_acc", f.get("acc"));
            e.put("params", f.get("params"));
            e.put("bytes", f.get("bytes"));
            e.put("b1_ms", f.get("b1_ms"));
            e.put("arch", f.get("arch"));
            e.put("index", f.get("index"));
            out.add(e);
        }
        return out;
    }
}
