package org.jvmcompress.core.model.keras;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jvmcompress.core.CompressionException;

/**
 * The weights of a Keras 3 model, layer by layer, in Keras' own order (kernel, recurrent kernel, bias, ...; a
 * Bidirectional layer's forward weights, then its backward weights). Two layouts: the {@code .keras} archive's
 * {@code model.weights.h5} ({@code layers/<tracked name>/vars/<i>}, nested layers under {@code cell},
 * {@code forward_layer}, {@code backward_layer}) and the legacy {@code .h5} file
 * ({@code model_weights/<layer>/} with the attribute {@code weight_names} giving the order).
 */
abstract class KerasWeights {
    /** One weight array, row-major, with its Keras shape. */
    record Tensor(String name, float[] data, long[] shape) {}

    abstract List<Tensor> of(String layerName, String trackedName);

    static KerasWeights archive(HdfFile h5) {
        return new KerasWeights() {
            @Override
            List<Tensor> of(String layerName, String trackedName) {
                Node n = h5.getChildren().containsKey("layers") ? find((Group) h5.getChild("layers"), trackedName) : null;
                List<Tensor> out = new ArrayList<>();
                if (n instanceof Group g) {
                    collect(g, "layers/" + trackedName, out);
                }
                return out;
            }
        };
    }

    private static Node find(Group layers, String name) {
        return layers.getChildren().get(name);
    }

    /** Datasets under a group: forward before backward, vars in numeric order. */
    private static void collect(Group g, String path, List<Tensor> out) {
        List<Node> children = new ArrayList<>(g.getChildren().values());
        children.sort(Comparator.comparing(KerasWeights::order));
        for (Node c : children) {
            if (c instanceof Dataset d) {
                out.add(tensor(d, path + "/" + c.getName()));
            } else if (c instanceof Group sub) {
                collect(sub, path + "/" + c.getName(), out);
            }
        }
    }

    private static String order(Node n) {
        String name = n.getName();
        if (name.equals("forward_layer")) {
            return "0";
        }
        if (name.equals("backward_layer")) {
            return "1";
        }
        if (name.matches("\\d+")) {
            return String.format("2%09d", Integer.parseInt(name));
        }
        return "3" + name;
    }

    static KerasWeights legacy(HdfFile h5) {
        return new KerasWeights() {
            @Override
            List<Tensor> of(String layerName, String trackedName) {
                Node root = h5.getChildren().get("model_weights");
                if (!(root instanceof Group mw) || !(mw.getChild(layerName) instanceof Group g)) {
                    return List.of();
                }
                Attribute names = g.getAttribute("weight_names");
                List<Tensor> out = new ArrayList<>();
                if (names == null) {
                    return out;
                }
                Object v = names.isEmpty() ? null : names.getData();
                String[] list = v == null ? new String[0] : v instanceof String[] s ? s : new String[] {String.valueOf(v)};
                for (String w : list) {
                    if (w == null || w.isEmpty() || w.equals("null")) {
                        continue;
                    }
                    Node d = g.getByPath(w);
                    if (!(d instanceof Dataset ds)) {
                        throw new CompressionException("Keras file: weight " + w + " of layer " + layerName + " is missing");
                    }
                    out.add(tensor(ds, "model_weights/" + layerName + "/" + w));
                }
                return out;
            }
        };
    }

    private static Tensor tensor(Dataset d, String path) {
        Object flat = d.getDataFlat();
        float[] f;
        if (flat instanceof float[] a) {
            f = a;
        } else if (flat instanceof double[] a) {
            f = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                f[i] = (float) a[i];
            }
        } else {
            throw new CompressionException("Keras file: weight " + path + " is of type " + d.getJavaType()
                    + " (float32 or float64 expected)");
        }
        int[] dims = d.getDimensions();
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = dims[i];
        }
        return new Tensor(path, f, shape);
    }
}
