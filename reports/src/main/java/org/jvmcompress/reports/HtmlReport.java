package org.jvmcompress.reports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Json;

/**
 * The self-contained HTML report: the summary table, and charts drawn by Apache ECharts (inlined, so the file opens
 * without a network): accuracy against size with the Pareto front, size / accuracy / latency bars per model,
 * training curves, per-layer quantisation sensitivity and a confusion matrix per model. The page records on its
 * {@code body} how many charts rendered ({@code data-charts-rendered} of {@code data-charts}) and how many script
 * errors happened ({@code data-errors}), which the browser test reads.
 */
public final class HtmlReport {
    static final String ECHARTS = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

    private HtmlReport() {}

    public static String render(Report r) {
        List<Map<String, Object>> charts = new ArrayList<>();
        charts.add(chart("pareto", "Test accuracy against size on disk (Pareto front in red)", 420));
        charts.add(chart("size", "Bytes on disk", 320));
        charts.add(chart("accuracy", "Test accuracy (%)", 320));
        if (r.models().stream().anyMatch(m -> m.p50Ms() != null)) {
            charts.add(chart("latency", "Latency at batch 1, p50 and p95 (ms)", 320));
        }
        if (!r.curves().isEmpty()) {
            charts.add(chart("curves", "Validation accuracy per epoch (%)", 360));
        }
        int i = 0;
        for (String s : r.sensitivity().keySet()) {
            Map<String, Object> c = chart("sensitivity", "Quantisation sensitivity of " + s
                    + ": accuracy points lost with only that layer in int8", 320);
            c.put("key", s);
            c.put("id", "sensitivity-" + i++);
            charts.add(c);
        }
        i = 0;
        for (Report.Model m : r.models()) {
            if (m.confusion() != null) {
                Map<String, Object> c = chart("confusion", "Confusion matrix of " + m.name()
                        + " (rows: true class, columns: predicted)", Math.max(380, 12 * m.confusion().length + 120));
                c.put("model", i);
                c.put("id", "confusion-" + i);
                charts.add(c);
            }
            i++;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("report", r.toJson());
        data.put("charts", charts);
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Compression report: ")
                .append(esc(String.join(" vs ", r.runs()))).append("</title>\n<style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;")
                .append("font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
                .append("td:first-child,th:first-child{text-align:left}.chart{width:100%;max-width:1100px;margin:16px 0}")
                .append("h2{margin-top:32px;font-size:18px}pre{background:#f6f6f6;padding:8px;font-size:12px;overflow:auto}")
                .append("</style>\n</head>\n<body data-charts=\"").append(charts.size())
                .append("\" data-charts-rendered=\"0\" data-errors=\"0\">\n")
                .append("<script>(function(){var n=0;function bump(){n++;document.body.setAttribute('data-errors',n);}")
                .append("window.addEventListener('error',bump);var e=console.error;")
                .append("console.error=function(){bump();e.apply(console,arguments);};})();</script>\n")
                .append("<h1>Compression report: ").append(esc(String.join(" vs ", r.runs()))).append("</h1>\n");
        for (String d : r.dataLines()) {
            sb.append("<p class=\"data\">Data: ").append(esc(d)).append("</p>\n");
        }
        sb.append(table(r))
                .append("<p>Smaller, change and speed-up are against the teacher of the same run; latency at batch 1, ")
                .append("throughput at batch 256. * marks the size/accuracy Pareto front.</p>\n");
        for (Map<String, Object> c : charts) {
            sb.append("<h2>").append(esc((String) c.get("title"))).append("</h2>\n<div class=\"chart\" id=\"chart-")
                    .append(c.get("id")).append("\" style=\"height:").append(c.get("height")).append("px\"></div>\n");
        }
        sb.append("<h2>Provenance</h2>\n<pre>").append(esc(Json.write(r.provenance()))).append("</pre>\n");
        sb.append("<script>").append(echarts()).append("</script>\n");
        sb.append("<script type=\"application/json\" id=\"report-data\">")
                .append(Json.write(data).replace("</", "<\\/")).append("</script>\n");
        sb.append("<script>").append(script()).append("</script>\n</body></html>\n");
        return sb.toString();
    }

    private static Map<String, Object> chart(String kind, String title, int height) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("kind", kind);
        c.put("id", kind);
        c.put("title", title);
        c.put("height", height);
        return c;
    }

    private static String table(Report r) {
        StringBuilder sb = new StringBuilder("<table><tr><th>model</th><th>params</th><th>bytes on disk</th>"
                + "<th>smaller</th><th>test accuracy</th><th>change (points)</th><th>agreement</th><th>b1 p50 ms</th>"
                + "<th>b1 p95 ms</th><th>b256 samples/s</th><th>speed-up</th><th>runtime</th></tr>\n");
        for (Report.Model m : r.models()) {
            sb.append("<tr><td>").append(esc(m.name())).append(m.pareto() ? " *" : "").append("</td>")
                    .append(td("%,d", m.params())).append(td("%,d", m.bytes())).append(td("%.2fx", m.ratio()))
                    .append(td("%.2f %%", 100 * m.acc())).append(td("%+.2f", 100 * m.deltaAcc()))
                    .append(td("%.2f %%", m.agreement() == null ? null : 100 * m.agreement()))
                    .append(td("%.3f", m.p50Ms())).append(td("%.3f", m.p95Ms())).append(td("%.0f", m.b256()))
                    .append(td("%.2fx", m.speedup())).append("<td>").append(esc(m.runtime() == null ? "" : m.runtime()))
                    .append("</td></tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    private static String td(String f, Object v) {
        return "<td>" + (v == null ? "" : esc(String.format(Locale.ROOT, f, v))) + "</td>";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String echarts() {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(ECHARTS)) {
            if (in == null) {
                throw new CompressionException("the charting library (" + ECHARTS + ") is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
        } catch (IOException e) {
            throw new CompressionException("cannot read the charting library: " + e.getMessage(), e);
        }
    }

    private static String script() {
        try (InputStream in = HtmlReport.class.getResourceAsStream("report.js")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new CompressionException("report.js is missing from the reports module", e);
        }
    }
}
