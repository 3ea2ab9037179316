package org.jvmcompress.bench;

import org.jvmcompress.core.model.Networks;
import org.jvmcompress.distill.DistillRecipes;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.eval.Measure;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.distill.Distillation;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Json;

/**
 * Runs distillation methods x seeds on a task's real data. Each cell trains in its own folder
 * ({@code <out>/<task>/<method>/seed-<n>/}, checkpoints and student) and, when finished, leaves a small record
 * {@code <cells>/<task>/<method>/seed-<n>.json} (meant to be committed); a cell with a record is not run again, and
 * an unfinished one resumes from its last epoch, so a table can be filled across sessions and machines. A record
 * whose recipe is no longer the method's (its defaults were retuned) is stale: the cell runs again, from the start,
 * and its new record replaces the old one. {@link #aggregate} turns the records into the results JSON and a Markdown
 * table, a method's row from the records of its current recipe (or, until there are some, the stale ones, marked).
 */
public final class DistillBenchmark {
    /**
     * One finished cell; {@code details} holds what the scheme reports (each generation, pool statistics). The table,
     * the teacher (its file as named and its SHA-256) and the student's architecture say what it measured: a record
     * of another teacher or student is not this table's, whatever its recipe. {@code extraTeachers} names the further
     * teachers of a method that uses several (file and SHA-256 prefix; null for the others): a multi-teacher record
     * of other extra teachers is not this table's either.
     */
    public record Cell(String task, String method, long seed, double acc, long params, int bestEpoch,
                       double trainSeconds, String recipe, Map<String, Object> details, String table, String teacher,
                       String teacherSha256, String student, String extraTeachers) {
        public Cell(String task, String method, long seed, double acc, long params, int bestEpoch,
                    double trainSeconds, String recipe, Map<String, Object> details, String table, String teacher,
                    String teacherSha256, String student) {
            this(task, method, seed, acc, params, bestEpoch, trainSeconds, recipe, details, table, teacher,
                    teacherSha256, student, null);
        }

        boolean measures(Table t, String method, String recipe) {
            return recipe.equals(this.recipe) && t.teacherSha256().equals(teacherSha256) && t.student().equals(student)
                    && java.util.Objects.equals(t.extraTeachersOf(method), extraTeachers);
        }
    }

    /**
     * A table of the benchmark: its name (the task's by default; another name keeps a second teacher/student pair's
     * rows beside the first), the teacher file and its SHA-256, the students' architecture.
     */
    public record Table(String name, String task, String teacher, String teacherSha256, String student,
                        String extraTeachers) {
        public Table(String name, String task, String teacher, String teacherSha256, String student) {
            this(name, task, teacher, teacherSha256, student, null);
        }

        public static Table of(String name, String task, Path teacherFile, String student) {
            return of(name, task, teacherFile, student, List.of());
        }

        /** With the further teachers that multi-teacher methods add (their files, named with a SHA-256 prefix). */
        public static Table of(String name, String task, Path teacherFile, String student, List<Path> extra) {
            String names = extra.isEmpty() ? null : String.join(", ", extra.stream().map(f -> f + " (sha256 "
                    + org.jvmcompress.core.util.Hashing.sha256(f).substring(0, 12) + ")").toList());
            return new Table(name, task, teacherFile.toString(), org.jvmcompress.core.util.Hashing.sha256(teacherFile),
                    student, names);
        }

        /** The extra teachers a method of this table is measured with (null for a method of one teacher). */
        String extraTeachersOf(String method) {
            return DistillRecipes.get(task, method).teachers() == DistillRecipes.Teachers.ALL ? extraTeachers : null;
        }
    }

    private DistillBenchmark() {}

    public static Path cellDir(Path out, String task, String method, long seed) {
        return out.resolve(task).resolve(method).resolve("seed-" + seed);
    }

    public static Path cellRecord(Path cells, String task, String method, long seed) {
        return cells.resolve(task).resolve(method).resolve("seed-" + seed + ".json");
    }

    /**
     * @param teacher the reference teacher; {@code extraTeachers} are added for multi-teacher recipes
     */
    public static Cell run(Table table, LoadedModel teacher, List<LoadedModel> extraTeachers, Task task,
                           TaskData data, String method, long seed, TrainConfig base, Path out, Path cells,
                           DataHome home, String command) {
        if (!base.architecture().equals(table.student())) {
            throw new IllegalArgumentException("table " + table.name() + " is of " + table.student() + " students, not "
                    + base.architecture());
        }
        Path cellFile = cellRecord(cells, table.name(), method, seed);
        DistillRecipes.Recipe r = DistillRecipes.get(task.name(), method);
        if (Files.isRegularFile(cellFile)) {
            Cell done = Json.read(cellFile, Cell.class, "benchmark cell");
            if (done.measures(table, method, r.describe())) {
                return done;
            }
            System.err.printf("%s %s seed %d: recorded with the recipe '%s', teacher %s, student %s; now '%s', %s, %s:"
                    + " running it again%n", table.name(), method, seed, done.recipe(), done.teacher(), done.student(),
                    r.describe(), table.teacher(), table.student());
        }
        TrainConfig c = base.withSeed(seed);
        List<LoadedModel> teachers = switch (r.teachers()) {
            case REFERENCE -> List.of(teacher);
            case ALL -> {
                if (extraTeachers.isEmpty()) {
                    throw new CompressionException("method " + method + " needs more than one teacher: pass"
                            + " --extra-teachers FILE,... (e.g. models/reference/" + task.name() + "-teacher-2.zip)");
                }
                List<LoadedModel> all = new ArrayList<>(List.of(teacher));
                all.addAll(extraTeachers);
                yield all;
            }
            // Born-again starts from the student trained from scratch with this seed (trained here if missing).
            case SCRATCH_STUDENT -> List.of(train(table, List.of(teacher), task, data, "scratch", c, out, home,
                    command).outcome().model());
        };
        Distillation.Result res = train(table, teachers, task, data, method, c, out, home, command);
        TrainedModels.Outcome o = res.outcome();
        double acc = Evaluator.accuracy(o.model().graph(), data.test());
        double secs = o.state().history().stream().mapToDouble(e -> e.seconds()).sum();
        Cell cell = new Cell(task.name(), method, seed, acc, Networks.trainableParams(o.model().graph()),
                o.state().bestEpoch(), secs, r.describe(), res.details().isEmpty() ? null : res.details(), table.name(),
                table.teacher(), table.teacherSha256(), table.student(), table.extraTeachersOf(method));
        Json.writeFile(cellFile, cell);
        return cell;
    }

    /** Whether a cell has a record of the method's current recipe. */
    public static boolean isDone(Path cells, Table table, String method, long seed) {
        Path f = cellRecord(cells, table.name(), method, seed);
        return Files.isRegularFile(f) && Json.read(f, Cell.class, "benchmark cell")
                .measures(table, method, DistillRecipes.get(table.task(), method).describe());
    }

    private static Distillation.Result train(Table table, List<LoadedModel> teachers, Task task,
                                             TaskData data, String method, TrainConfig c, Path out, DataHome home,
                                             String command) {
        Path dir = cellDir(out, table.name(), method, c.seed());
        // the folder's marker names the teacher and student too, so that a checkpoint of another pair is not resumed
        forRecipe(dir, DistillRecipes.get(task.name(), method).describe() + " | teacher " + table.teacherSha256()
                + " | student " + table.student());
        return Distillation.run(DistillRecipes.get(task.name(), method).plan(), teachers, task, data, c, dir,
                dir.resolve("student.zip"), home.dir("teacher-outputs"), command);
    }

    /**
     * Keeps a cell's run folder (and so its checkpoint) only when it was started with this recipe: the folder
     * remembers its recipe in {@code recipe.txt}; a folder of another recipe, or from before that file existed, is
     * emptied first (its checkpoint could be a finished run of another recipe).
     */
    static void forRecipe(Path dir, String recipe) {
        Path marker = dir.resolve("recipe.txt");
        try {
            if (Files.isDirectory(dir)) {
                if (!Files.isRegularFile(marker) || !Files.readString(marker).equals(recipe)) {
                    try (var s = Files.walk(dir)) {
                        for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(f);
                        }
                    }
                }
            }
            Files.createDirectories(dir);
            AtomicFiles.writeString(marker, recipe);
        } catch (IOException e) {
            throw new CompressionException("cannot prepare the cell folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** All finished cells in the records folder, by task and method. */
    public static Map<String, Map<String, List<Cell>>> cells(Path cells) {
        Map<String, Map<String, List<Cell>>> m = new LinkedHashMap<>();
        if (!Files.isDirectory(cells)) {
            return m;
        }
        try (var s = Files.walk(cells)) {
            for (Path p : s.filter(f -> f.getFileName().toString().matches("seed-.*\\.json")).sorted().toList()) {
                Cell c = Json.read(p, Cell.class, "benchmark cell");
                m.computeIfAbsent(c.table(), k -> new LinkedHashMap<>()).computeIfAbsent(c.method(), k -> new ArrayList<>())
                        .add(c);
            }
        } catch (IOException e) {
            throw new CompressionException("cannot read benchmark records " + cells + ": " + e.getMessage(), e);
        }
        return m;
    }

    /**
     * Writes the results JSON (merged into an existing file, table by table: each with its task, teacher, student and
     * a row per method) and the Markdown table beside it.
     */
    public static void aggregate(Path cells, Path resultsJson, String command) {
        aggregate(cells, resultsJson, command, null);
    }

    /**
     * As {@link #aggregate(Path, Path, String)} with only the rows of {@code only} (null: every method), for a results
     * file of some methods beside the whole tables (docs/results/distillation-algorithms.json).
     */
    public static void aggregate(Path cells, Path resultsJson, String command, java.util.Collection<String> only) {
        aggregate(cells, resultsJson, command, null, only);
    }

    /** As {@link #aggregate(Path, Path, String, java.util.Collection)}, of one table only when {@code table} is given. */
    public static void aggregate(Path cells, Path resultsJson, String command, String table,
                                 java.util.Collection<String> only) {
        Map<String, Map<String, List<Cell>>> all = cells(cells);
        if (table != null) {
            all.keySet().retainAll(List.of(table));
        }
        if (only != null) {
            all.values().forEach(t -> t.keySet().retainAll(only));
            all.values().removeIf(Map::isEmpty);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        if (Files.isRegularFile(resultsJson)) {
            try {
                JsonNode old = Json.MAPPER.readTree(resultsJson.toFile());
                old.fields().forEachRemaining(e -> root.put(e.getKey(), e.getValue()));
            } catch (IOException e) {
                throw new CompressionException("results file " + resultsJson + " is not valid JSON: " + e.getMessage(), e);
            }
        }
        StringBuilder md = new StringBuilder((only == null ? "# Distillation results" : "# Distillation results: "
                + String.join(", ", only)) + "\n\nTest accuracy, mean ± std over seeds, on the"
                + " held-out test split. Each task's whole table is reproduced by the command under it (finished cells"
                + " under " + cells.getFileName() + "/ are skipped; `bench/queue-distill.sh` runs the cells one at a"
                + " time). Cells last written by:\n\n    " + command + "\n");
        for (Map.Entry<String, Map<String, List<Cell>>> t : all.entrySet()) {
            Map<String, Object> task = new LinkedHashMap<>();
            Cell first = t.getValue().values().iterator().next().get(0);
            md.append("\n## ").append(t.getKey()).append("\n");
            int commandAt = md.length();
            md.append("\nTeacher ").append(first.teacher()).append(", students ").append(first.student())
                    .append(".\n\n| method | recipe | test accuracy | seeds | params |\n|---|---|---|---|---|\n");
            List<String> order = new ArrayList<>(DistillRecipes.of(first.task()).keySet());
            List<Map.Entry<String, List<Cell>>> rows = new ArrayList<>(t.getValue().entrySet());
            rows.sort(java.util.Comparator.comparingInt(e -> order.contains(e.getKey()) ? order.indexOf(e.getKey())
                    : order.size()));
            md.insert(commandAt, String.format(Locale.ROOT,
                    "    bin/compression bench-distill --teacher %s%s --methods %s --seeds %s"
                            + "%s --results %s --output runs/bench-distill%n", first.teacher(),
                    (t.getKey().equals(first.task()) ? "" : " --table " + t.getKey())
                            + (first.student().equals(org.jvmcompress.core.task.Tasks.get(first.task())
                            .studentArchitecture()) ? "" : " --student " + first.student()),
                    String.join(",", rows.stream().map(Map.Entry::getKey).toList()),
                    String.join(",", rows.stream().flatMap(e -> e.getValue().stream().map(c -> Long.toString(c.seed())))
                            .distinct().sorted().toList()), only == null ? "" : " --only-methods",
                    "docs/results/" + resultsJson.getFileName()));
            Map<String, DistillRecipes.Recipe> recipes = DistillRecipes.of(first.task());
            Map<String, Object> methods = new LinkedHashMap<>();
            task.put("task", first.task());
            task.put("teacher", first.teacher());
            task.put("teacher_sha256", first.teacherSha256());
            task.put("student", first.student());
            task.put("methods", methods);
            for (Map.Entry<String, List<Cell>> m : rows) {
                List<Cell> cs = m.getValue();
                DistillRecipes.Recipe now = recipes.get(m.getKey());
                List<Cell> current = now == null ? cs
                        : cs.stream().filter(c -> c.recipe().equals(now.describe())).toList();
                boolean stale = current.isEmpty();
                if (!stale) {
                    cs = current;
                }
                double mean = cs.stream().mapToDouble(Cell::acc).average().orElse(Double.NaN);
                double var = cs.stream().mapToDouble(c -> (c.acc() - mean) * (c.acc() - mean)).sum()
                        / Math.max(1, cs.size() - 1);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("mean_acc", mean);
                row.put("std_acc", Math.sqrt(var));
                row.put("params", cs.get(0).params());
                row.put("seeds", cs.stream().map(Cell::seed).toList());
                row.put("accs", cs.stream().map(Cell::acc).toList());
                row.put("recipe", cs.get(0).recipe());
                java.util.Set<String> extras = new java.util.TreeSet<>(cs.stream()
                        .map(c -> String.valueOf(c.extraTeachers())).toList());
                String extraNote = extras.equals(java.util.Set.of("null")) ? ""
                        : extras.size() == 1 ? "; extra teachers: " + extras.iterator().next()
                        : "; cells of different extra teachers: " + String.join(" / ", extras);
                if (!extraNote.isEmpty()) {
                    row.put("extra_teachers", String.join(" / ", extras));
                }
                if (stale) {
                    row.put("stale", true);
                    row.put("current_recipe", now.describe());
                }
                if (cs.get(0).details() != null) {
                    row.put("details", cs.stream().map(Cell::details).toList());
                }
                methods.put(m.getKey(), row);
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %,d |%n", m.getKey(), stale
                                ? cs.get(0).recipe() + " (earlier recipe; now " + now.describe() + ", not yet run)"
                                : cs.get(0).recipe() + extraNote,
                        cs.size() > 1 ? String.format(Locale.ROOT, "%.2f ± %.2f %%", 100 * mean, 100 * Math.sqrt(var))
                                : String.format(Locale.ROOT, "%.2f %% (one seed)", 100 * mean),
                        cs.size(), cs.get(0).params()));
            }
            md.append(LifelongTable.markdown(rows, resultsJson.resolveSibling(resultsJson.getFileName().toString()
                    .replaceAll("\\.json$", "") + "-" + t.getKey() + "-lifelong.png")));
            root.put(t.getKey(), task);
        }
        Json.writeFile(resultsJson, root);
        String name = resultsJson.getFileName().toString().replaceAll("\\.json$", "") + ".md";
        AtomicFiles.writeString(resultsJson.resolveSibling(name), md.toString());
    }
}
