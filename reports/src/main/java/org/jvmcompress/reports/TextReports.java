package org.jvmcompress.reports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The Markdown report and the CSV table of models. */
public final class TextReports {
    private TextReports() {}

    static final String[] CSV_COLUMNS = {"run", "model", "role", "format", "runtime", "params", "bytes",
        "compression_ratio", "test_accuracy", "accuracy_change", "macro_f1", "agreement_with_teacher", "b1_p50_ms",
        "b1_p95_ms", "b256_samples_per_s", "speedup_b256", "pareto"};

    public static String csv(Report r) {
        StringBuilder sb = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        for (Report.Model m : r.models()) {
            List<String> cells = List.of(m.run(), m.name(), m.role(), str(m.format()), str(m.runtime()),
                    Long.toString(m.params()), Long.toString(m.bytes()), fmt("%.4f", m.ratio()), fmt("%.6f", m.acc()),
                    fmt("%.6f", m.deltaAcc()), fmt("%.6f", m.macroF1()), fmt("%.6f", m.agreement()),
                    fmt("%.4f", m.p50Ms()), fmt("%.4f", m.p95Ms()), fmt("%.1f", m.b256()), fmt("%.4f", m.speedup()),
                    Boolean.toString(m.pareto()));
            List<String> quoted = new ArrayList<>();
            for (String c : cells) {
                quoted.add(c.contains(",") || c.contains("\"") ? "\"" + c.replace("\"", "\"\"") + "\"" : c);
            }
            sb.append(String.join(",", quoted)).append('\n');
        }
        return sb.toString();
    }

    public static String markdown(Report r) {
        StringBuilder sb = new StringBuilder("# Compression report: ").append(String.join(" vs ", r.runs())).append("\n\n");
        for (String d : r.dataLines()) {
            sb.append("Data: ").append(d).append("  \n");
        }
        if (!r.dataLines().isEmpty()) {
            sb.append('\n');
        }
        sb.append(table(r));
        sb.append("\nCompression ratio, accuracy change and speed-up are against the teacher of the same run; ")
                .append("latency is at batch 1, throughput at batch 256, on the machine in the provenance below. ")
                .append("Models marked * are on the size/accuracy Pareto front.\n");
        for (Map.Entry<String, List<Report.Layer>> s : r.sensitivity().entrySet()) {
            sb.append("\n## Quantisation sensitivity of ").append(s.getKey())
                    .append(" (accuracy lost with only that layer in int8)\n\n| layer | drop (points) |\n|---|---|\n");
            for (Report.Layer l : s.getValue()) {
                sb.append(fmt("| %s | %+.2f |\n", l.name(), 100 * l.drop()));
            }
        }
        for (Map.Entry<String, List<Report.Epoch>> c : r.curves().entrySet()) {
            sb.append("\n## Training of ").append(c.getKey()).append("\n\n| epoch | train loss | validation accuracy |\n")
                    .append("|---|---|---|\n");
            for (Report.Epoch e : c.getValue()) {
                sb.append(fmt("| %d | %.4f | %.2f %% |\n", e.epoch(), e.trainLoss(), 100 * e.validationAccuracy()));
            }
        }
        sb.append("\n## Provenance\n\n```json\n").append(org.jvmcompress.core.util.Json.write(r.provenance()).strip())
                .append("\n```\n");
        return sb.toString();
    }

    /** The summary table of models (Markdown). */
    public static String table(Report r) {
        StringBuilder sb = new StringBuilder("| model | params | bytes on disk | smaller | test accuracy | change | agreement"
                + " | b1 p50 ms | b1 p95 ms | b256 samples/s | speed-up | runtime |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Report.Model m : r.models()) {
            sb.append(fmt("| %s%s | %,d | %,d | %.2fx | %.2f %% | %+.2f | %s | %s | %s | %s | %s | %s |\n", m.name(),
                    m.pareto() ? " *" : "", m.params(), m.bytes(), m.ratio(), 100 * m.acc(), 100 * m.deltaAcc(),
                    m.agreement() == null ? "" : fmt("%.2f %%", 100 * m.agreement()), opt("%.3f", m.p50Ms()),
                    opt("%.3f", m.p95Ms()), opt("%.0f", m.b256()), opt("%.2fx", m.speedup()), str(m.runtime())));
        }
        return sb.toString();
    }

    private static String str(String s) {
        return s == null ? "" : s;
    }

    private static String opt(String f, Double v) {
        return v == null ? "" : fmt(f, v);
    }

    private static String fmt(String f, Object... v) {
        for (Object o : v) {
            if (o == null) {
                return "";
            }
        }
        return String.format(Locale.ROOT, f, v);
    }
}
