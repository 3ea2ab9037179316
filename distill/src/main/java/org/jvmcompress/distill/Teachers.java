package org.jvmcompress.distill;

import org.jvmcompress.core.task.Compatibility;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.util.Hashing;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One or more frozen teachers and how their outputs are mixed ({@link TeacherMix}); gives the targets of a data
 * source, each teacher's logits cached on disk under a key of its file, the data and the view (augmentation).
 */
public record Teachers(List<LoadedModel> models, TeacherMix mix, Path cacheDir) {
    public Teachers {
        if (models.isEmpty()) {
            throw new CompressionException("distillation needs a teacher");
        }
        models = List.copyOf(models);
    }

    public static Teachers single(LoadedModel teacher, Path cacheDir) {
        return new Teachers(List.of(teacher), TeacherMix.parse("avg", 1), cacheDir);
    }

    public LoadedModel first() {
        return models.get(0);
    }

    public void checkCompatible(TaskData data) {
        for (LoadedModel t : models) {
            Compatibility.check(t, data, "teacher " + t.path());
        }
    }

    /** A name for these teachers and their mix, for hashes. */
    public String key() {
        StringBuilder s = new StringBuilder();
        for (LoadedModel t : models) {
            s.append(Hashing.sha256(t.path())).append('+');
        }
        return s.append(mix).toString();
    }

    public List<String> paths() {
        return models.stream().map(m -> m.path().toString()).toList();
    }

    /** The mixed teacher logits at temperature T on every item of {@code source}; {@code view} names the data. */
    public float[][] logits(Batches.Source source, String dataHash, String view, double temperature) {
        return mixed(source, temperature, t -> cached(t, source, dataHash, view));
    }

    /**
     * The mixed teacher logits at temperature T, each teacher's first averaged over the clean items of {@code source}
     * and {@code views} augmented versions of them (round seeds 1..views: {@link TeacherSources.AugmentedView#view}).
     */
    public float[][] viewAveraged(Batches.Source source, String dataHash, Augmenter aug, int views, double temperature) {
        TeacherMix avg = TeacherMix.parse("avg", views + 1);
        return mixed(source, temperature, t -> {
            List<float[][]> v = new ArrayList<>();
            v.add(cached(t, source, dataHash, "none"));
            for (int r = 1; r <= views; r++) {
                System.err.printf(java.util.Locale.ROOT, "teacher outputs on view %d of %d (%s)%n", r, views, aug);
                TeacherSources.AugmentedView view = new TeacherSources.AugmentedView(source, aug, r);
                v.add(cached(t, view, dataHash, view.view()));
            }
            return avg.combine(v, null, temperature);
        });
    }

    private float[][] cached(LoadedModel t, Batches.Source source, String dataHash, String view) {
        return TeacherOutputs.cached(t.inference(), source, cacheDir, TeacherOutputs.key(t.path(), dataHash, view));
    }

    private float[][] mixed(Batches.Source source, double temperature,
                            java.util.function.Function<LoadedModel, float[][]> perTeacher) {
        List<float[][]> each = new ArrayList<>();
        for (LoadedModel t : models) {
            each.add(perTeacher.apply(t));
        }
        return mix.combine(each, models.size() > 1 && mix.mode().equals("confidence") ? labels(source) : null,
                temperature);
    }

    /** The class of every item of a source (the largest entry of its label row). */
    static int[] labels(Batches.Source source) {
        int[] out = new int[source.size()];
        for (int start = 0; start < out.length; start += 1024) {
            int end = Math.min(out.length, start + 1024);
            int[] idx = new int[end - start];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = start + i;
            }
            DataSet ds = source.make(idx);
            int[] cls = ds.getLabels().argMax(1).toIntVector();
            System.arraycopy(cls, 0, out, start, cls.length);
        }
        return out;
    }
}
