package org.jvmcompress.reports;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Json;

/**
 * What a report shows, read from a run folder's result records only (never from logs):
 * {@code provenance.json}, and under {@code records/} the stage records {@code evaluate.json} (every model's
 * figures), {@code teacher.json} / {@code distill.json} (training histories) and {@code quantize.json} (per-layer
 * quantisation sensitivity). Several runs merge into one report to compare them side by side.
 */
public record Report(List<String> runs, Map<String, Object> provenance, List<Model> models,
                     Map<String, List<Epoch>> curves, Map<String, List<Layer>> sensitivity) {
    public static final int SCHEMA = 1;

    /** One model's figures; the derived ones are against the teacher of its run. */
    public record Model(String run, String name, String role, String file, String format, String runtime, long params,
                        long bytes, double acc, Double macroF1, Double agreement, Double p50Ms, Double p95Ms,
                        Double b256, List<String> labels, int[][] confusion, double ratio, double deltaAcc,
                        Double speedup, boolean pareto) {}

    public record Epoch(int epoch, double trainLoss, double validationAccuracy) {}

    public record Layer(String name, double drop) {}

    /** The report of one run folder. */
    public static Report load(Path run) {
        JsonNode eval = record(run, "evaluate");
        if (eval == null) {
            throw new CompressionException(run + " has no evaluation record (records/evaluate.json): the run has not"
                    + " reached its evaluate stage");
        }
        String name = run.toAbsolutePath().normalize().getFileName().toString();
        JsonNode result = eval.path("result");
        String teacher = result.path("teacher").asText(null);
        List<JsonNode> rows = new ArrayList<>();
        result.path("models").forEach(rows::add);
        if (rows.isEmpty()) {
            throw new CompressionException(run + ": the evaluation record lists no models");
        }
        JsonNode t = rows.stream().filter(r -> r.path("name").asText().equals(teacher)).findFirst().orElse(rows.get(0));
        List<Model> models = new ArrayList<>();
        for (JsonNode r : rows) {
            long bytes = r.path("bytes").asLong();
            Double b256 = num(r, "b256");
            Double tb = num(t, "b256");
            List<String> labels = new ArrayList<>();
            r.path("labels").forEach(l -> labels.add(l.asText()));
            int[][] confusion = r.has("confusion") ? Json.MAPPER.convertValue(r.path("confusion"), int[][].class) : null;
            models.add(new Model(name, r.path("name").asText(), r.path("role").asText(), r.path("file").asText(null),
                    r.path("format").asText(null), r.path("runtime").asText(null), r.path("params").asLong(), bytes,
                    r.path("acc").asDouble(), num(r, "macroF1"), num(r, "agreement"), num(r, "p50Ms"), num(r, "p95Ms"),
                    b256, labels, confusion, t.path("bytes").asDouble() / bytes,
                    r.path("acc").asDouble() - t.path("acc").asDouble(),
                    b256 != null && tb != null && tb > 0 ? b256 / tb : null, false));
        }
        Map<String, List<Epoch>> curves = new LinkedHashMap<>();
        for (String stage : List.of("teacher", "distill")) {
            JsonNode rec = record(run, stage);
            if (rec != null && rec.path("result").path("history").size() > 0) {
                List<Epoch> h = new ArrayList<>();
                rec.path("result").path("history").forEach(e -> h.add(new Epoch(e.path("epoch").asInt(),
                        e.path("trainLoss").asDouble(), e.path("validationAccuracy").asDouble())));
                curves.put(rec.path("result").path("model").asText(stage), h);
            }
        }
        Map<String, List<Layer>> sens = new LinkedHashMap<>();
        JsonNode q = record(run, "quantize");
        if (q != null && q.path("result").path("sensitivity").size() > 0) {
            List<Layer> ls = new ArrayList<>();
            q.path("result").path("sensitivity").forEach(l -> ls.add(new Layer(l.path("name").asText(),
                    l.path("drop").asDouble())));
            sens.put(q.path("result").path("source").asText("model"), ls);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> prov = Files.isRegularFile(run.resolve("provenance.json"))
                ? Json.read(run.resolve("provenance.json"), Map.class, "provenance") : Map.of();
        return new Report(List.of(name), prov, pareto(models), curves, sens);
    }

    /** Several runs side by side: model, curve and sensitivity names prefixed by their run's folder name. */
    public static Report compare(List<Path> runs) {
        List<String> names = new ArrayList<>();
        Map<String, Object> prov = new LinkedHashMap<>();
        List<Model> models = new ArrayList<>();
        Map<String, List<Epoch>> curves = new LinkedHashMap<>();
        Map<String, List<Layer>> sens = new LinkedHashMap<>();
        for (Path p : runs) {
            Report r = load(p);
            String run = r.runs().get(0);
            if (names.contains(run)) {
                run = run + "-" + (names.size() + 1);
            }
            names.add(run);
            prov.put(run, r.provenance());
            for (Model m : r.models()) {
                models.add(new Model(run, run + "/" + m.name(), m.role(), m.file(), m.format(), m.runtime(), m.params(),
                        m.bytes(), m.acc(), m.macroF1(), m.agreement(), m.p50Ms(), m.p95Ms(), m.b256(), m.labels(),
                        m.confusion(), m.ratio(), m.deltaAcc(), m.speedup(), false));
            }
            String prefix = run;
            r.curves().forEach((k, v) -> curves.put(prefix + "/" + k, v));
            r.sensitivity().forEach((k, v) -> sens.put(prefix + "/" + k, v));
        }
        return new Report(names, prov, pareto(models), curves, sens);
    }

    /** Marks the models no other model beats on both size (bytes) and accuracy. */
    static List<Model> pareto(List<Model> ms) {
        List<Model> out = new ArrayList<>();
        for (Model m : ms) {
            boolean dominated = ms.stream().anyMatch(o -> o != m && o.bytes() <= m.bytes() && o.acc() >= m.acc()
                    && (o.bytes() < m.bytes() || o.acc() > m.acc()));
            out.add(new Model(m.run(), m.name(), m.role(), m.file(), m.format(), m.runtime(), m.params(), m.bytes(),
                    m.acc(), m.macroF1(), m.agreement(), m.p50Ms(), m.p95Ms(), m.b256(), m.labels(), m.confusion(),
                    m.ratio(), m.deltaAcc(), m.speedup(), !dominated));
        }
        return out;
    }

    private static JsonNode record(Path run, String stage) {
        Path f = run.resolve("records").resolve(stage + ".json");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(f.toFile());
        } catch (IOException e) {
            throw new CompressionException("record " + f + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static Double num(JsonNode n, String key) {
        return n.hasNonNull(key) ? n.path(key).asDouble() : null;
    }

    /**
     * Which data the figures were measured on, a line per run ("run: files /x/train (image-folder, sha256 …), test …"),
     * and what the run said about its data (new to the model, resized, duplicates); empty for runs that recorded
     * none.
     */
    public List<String> dataLines() {
        List<String> out = new ArrayList<>();
        if (provenance.containsKey("data") || provenance.containsKey("dataNotes")) {
            dataLines(null, provenance, out);
        } else {
            provenance.forEach((run, p) -> {
                if (p instanceof Map<?, ?> m) {
                    dataLines(run, m, out);
                }
            });
        }
        return out;
    }

    private static void dataLines(String run, Map<?, ?> prov, List<String> out) {
        String prefix = run == null ? "" : run + ": ";
        if (prov.get("data") instanceof Map<?, ?> d) {
            org.jvmcompress.core.data.DataSource src = Json.MAPPER.convertValue(d, org.jvmcompress.core.data.DataSource.class);
            out.add(prefix + src.describe() + (src.classes() == null ? "" : "; classes " + String.join(", ", src.classes())));
        }
        if (prov.get("dataNotes") instanceof List<?> notes) {
            notes.forEach(n -> out.add(prefix + "note: " + n));
        }
    }

    /** The report as {@code report.json} holds it (schema-versioned). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("runs", runs);
        m.put("provenance", provenance);
        m.put("models", models);
        m.put("curves", curves);
        m.put("sensitivity", sensitivity);
        return m;
    }

    /** Writes report.json, report.md, report.html and models.csv into {@code dir}; returns their paths. */
    public List<Path> write(Path dir) {
        List<Path> out = List.of(dir.resolve("report.json"), dir.resolve("report.md"), dir.resolve("report.html"),
                dir.resolve("models.csv"));
        Json.writeFile(out.get(0), toJson());
        org.jvmcompress.core.util.AtomicFiles.writeString(out.get(1), TextReports.markdown(this));
        org.jvmcompress.core.util.AtomicFiles.writeString(out.get(2), HtmlReport.render(this));
        org.jvmcompress.core.util.AtomicFiles.writeString(out.get(3), TextReports.csv(this));
        return out;
    }
}
