package org.jvmcompress.distill;

import org.jvmcompress.core.task.Compatibility;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.runtime.NamedActivations;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Hashing;
import org.jvmcompress.distill.loss.KnowledgeKind;
import org.jvmcompress.distill.loss.KnowledgeKinds;
import org.jvmcompress.distill.loss.AuxiliaryLossFunction;
import org.jvmcompress.distill.loss.DistillationLossFunction;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Feature- and relation-based distillation (FitNets hints, attention transfer, RKD, similarity-preserving), with a
 * response loss on the class output at the same time. During training the student carries one extra output per
 * piece of {@link Knowledge} (an adapter for hints, then a loss layer); the teacher runs on each batch in the
 * prefetch thread and gives the targets of every output. The extra outputs are removed before the student is saved.
 */
public final class FeatureDistiller {
    private FeatureDistiller() {}

    /** A teacher's named activations: a DL4J network's vertices, or an imported graph's results. */
    static NamedActivations view(LoadedModel teacher) {
        return view(teacher, List.of());
    }

    /**
     * A teacher's named activations, {@code names} among them: an imported graph's results; a DL4J network's on the
     * oneDNN float runtime where it runs the network and gives those values (hints, whose targets
     * are too big to keep, run the teacher on every batch); else the DL4J network's vertices.
     */
    static NamedActivations view(LoadedModel teacher, List<String> names) {
        if (teacher.graph() == null) {
            if (teacher.runtime() instanceof NamedActivations n) {
                return n;
            }
            throw new CompressionException("teacher " + teacher.path() + " gives no intermediate results by name");
        }
        if (teacher.runtime() instanceof org.jvmcompress.core.runtime.InferenceRuntime rt
                && names.stream().allMatch(rt::hasActivation)) {
            return rt;
        }
        ComputationGraph g = teacher.graph();
        return new NamedActivations() { // fresh arrays each call, owned by the caller (freed after use)
            @Override
            public Map<String, INDArray> activations(INDArray x, java.util.Collection<String> names) {
                // Every vertex's activations come back; those not asked for are freed now rather than left to the
                // garbage collector (a big teacher makes hundreds of MB of them per batch, off the Java heap, and
                // the heap alone never fills fast enough to collect them: the process grew past 20 GB).
                Map<String, INDArray> all = g.feedForward(x, false);
                Map<String, INDArray> keep = new java.util.HashMap<>();
                java.util.Set<Long> kept = new java.util.HashSet<>();
                kept.add(bufferOf(x));
                for (Map.Entry<String, INDArray> e : all.entrySet()) {
                    if (names.contains(e.getKey()) || e.getKey().equals(outputName())) {
                        keep.put(e.getKey(), e.getValue());
                        kept.add(bufferOf(e.getValue()));
                    }
                }
                releaseAll(all.values(), kept);
                return keep;
            }

            @Override
            public String outputName() {
                return g.getConfiguration().getNetworkOutputs().get(0);
            }

            @Override
            public long numParams() {
                return g.numParams();
            }

            @Override
            public boolean freshResults() {
                return true;
            }
        };
    }

    /** The address of the buffer an array's memory belongs to (a view's is its base's). */
    static long bufferOf(INDArray a) {
        org.nd4j.linalg.api.buffer.DataBuffer b = a.data();
        while (b.originalDataBuffer() != null && b.originalDataBuffer() != b) {
            b = b.originalDataBuffer();
        }
        return b.address();
    }

    /**
     * Frees the native memory of arrays now, each buffer once (several activations may share one), except buffers
     * at the given addresses; only arrays that own their buffer (not views, not in a workspace) are freed.
     */
    static void releaseAll(java.util.Collection<INDArray> arrays, java.util.Set<Long> keepAddresses) {
        Map<Long, INDArray> byBuffer = new java.util.HashMap<>();
        for (INDArray a : arrays) {
            byBuffer.putIfAbsent(bufferOf(a), a);
        }
        byBuffer.forEach((address, a) -> {
            if (!keepAddresses.contains(address) && a.closeable()) {
                a.close();
            }
        });
    }

    /** The shape of one example's activations, by name. */
    static Map<String, long[]> shapes(Map<String, INDArray> acts) {
        Map<String, long[]> out = new LinkedHashMap<>();
        acts.forEach((k, v) -> out.put(k, Arrays.copyOfRange(v.shape(), 1, v.rank())));
        return out;
    }

    /** The shape of one example's activation at every vertex, by a forward pass of one example. */
    static Map<String, long[]> shapes(ComputationGraph g, INDArray oneExample) {
        Map<String, INDArray> acts = g.feedForward(oneExample, false);
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String name : g.getConfiguration().getVertices().keySet()) {
            INDArray v = acts.get(name);
            if (v != null) {
                out.put(name, Arrays.copyOfRange(v.shape(), 1, v.rank()));
            }
        }
        return out;
    }

    static long[] layerShape(Map<String, long[]> shapes, String layer, String who) {
        long[] s = shapes.get(layer);
        if (s == null) {
            throw new CompressionException(who + " has no layer '" + layer + "'; its layers are " + shapes.keySet());
        }
        return s;
    }

    /** The student with one knowledge output per spec ("knowledge0", ...), and the teacher targets' transforms. */
    static ComputationGraph withKnowledgeOutputs(ComputationGraph student, List<Knowledge> specs,
                                                 Map<String, long[]> sShapes, Map<String, long[]> tShapes) {
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(student);
        List<String> outputs = new ArrayList<>(List.of("output"));
        org.nd4j.linalg.learning.config.IUpdater updater = updaterOf(student);
        for (int i = 0; i < specs.size(); i++) {
            Knowledge k = specs.get(i);
            long[] s = layerShape(sShapes, k.studentLayer(), "the student");
            long[] t = layerShape(tShapes, k.teacherLayer(), "the teacher");
            String from = k.studentLayer();
            String name = "knowledge" + i;
            KnowledgeKind.Attachment at = KnowledgeKinds.get(k.kind()).attach(k.toString(), b, name, from, s, t,
                    updater);
            from = at.layer();
            long[] lossInput = at.lossInput();
            AuxiliaryLossFunction aux = lossInput.length == 3
                    ? new AuxiliaryLossFunction(k.kind(), k.weight(), (int) lossInput[0], (int) lossInput[1], (int) lossInput[2])
                    : lossInput.length == 2 ? AuxiliaryLossFunction.sequence(k.kind(), k.weight(), (int) lossInput[0],
                    (int) lossInput[1]) : new AuxiliaryLossFunction(k.kind(), k.weight(), 1, 1, 1);
            b.addLayer(name, new LossLayer.Builder().lossFunction(aux).activation(Activation.IDENTITY).build(),
                    KnowledgeKind.flattenIfMap(lossInput), from);
            outputs.add(name);
        }
        b.setOutputs(outputs.toArray(new String[0]));
        return b.build();
    }

    /**
     * The optimiser of the student's layers, for its adapters (a layer added by DL4J's transfer-learning builder gets
     * DL4J's default otherwise: plain SGD at 1e-3, under which an adapter hardly moves).
     */
    static org.nd4j.linalg.learning.config.IUpdater updaterOf(ComputationGraph g) {
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            if (l.numParams() > 0 && l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer bl
                    && bl.getIUpdater() != null) {
                return bl.getIUpdater().clone();
            }
        }
        throw new CompressionException("the student has no layer with parameters and an optimiser");
    }

    /** The student without its knowledge outputs and adapters. */
    static ComputationGraph withoutKnowledgeOutputs(ComputationGraph g, int count) {
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(g);
        for (int i = 0; i < count; i++) {
            b.removeVertexAndConnections("knowledge" + i);
            if (g.getConfiguration().getVertices().containsKey("knowledge" + i + "_adapter")) {
                b.removeVertexAndConnections("knowledge" + i + "_adapter");
            }
        }
        b.setOutputs("output");
        ComputationGraph stripped = b.build();
        // Removing a vertex with parameters (an adapter) shifts the flat parameter vector: copy by layer name.
        for (org.deeplearning4j.nn.api.Layer l : stripped.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (l.numParams() > 0) {
                l.setParams(g.getLayer(name).params().dup());
            }
        }
        return stripped;
    }

    /**
     * Batches with the teacher's targets: [teacher logits | one-hot] for the class output, then one per knowledge;
     * computed live on an item's first batch, kept for later epochs where they fit in {@link #KEEP_BUDGET_FLOATS}.
     */
    static final class LiveTeacherSource extends Batches.Delegating implements AutoCloseable {
        private final NamedActivations teacher;
        private final List<Knowledge> specs;
        private final Map<String, long[]> tShapes;

        /**
         * Each item's targets by output (the class output first), kept after their first computation: the teacher is
         * frozen and the items fixed, so later epochs need the teacher only for outputs too big to keep (hints are
         * whole feature maps). Null where an output is not kept.
         */
        private final float[][][] kept;

        /**
         * The targets of outputs too big to keep in memory, written to a file in the run folder after their first
         * computation and read back in later epochs (null where not spilled: no folder given, or not enough disk).
         */
        private final TargetFile[] spilled;

        /** At most this many floats of targets are kept (1 GB). */
        static final long KEEP_BUDGET_FLOATS = 256L << 20;

        LiveTeacherSource(Batches.Source base, NamedActivations teacher, List<Knowledge> specs,
                          Map<String, long[]> tShapes) {
            this(base, teacher, specs, tShapes, KEEP_BUDGET_FLOATS, null);
        }

        LiveTeacherSource(Batches.Source base, NamedActivations teacher, List<Knowledge> specs,
                          Map<String, long[]> tShapes, long budget) {
            this(base, teacher, specs, tShapes, budget, null);
        }

        /**
         * With at most {@code budget} floats of targets kept in memory, and those over it spilled to files in
         * {@code spillDir} (null: computed by the teacher on every batch) where the disk has twice their size free.
         */
        LiveTeacherSource(Batches.Source base, NamedActivations teacher, List<Knowledge> specs,
                          Map<String, long[]> tShapes, long budget, Path spillDir) {
            super(base);
            this.teacher = teacher;
            this.specs = specs;
            this.tShapes = tShapes;
            kept = new float[1 + specs.size()][][];
            spilled = new TargetFile[1 + specs.size()];
            long left = budget;
            for (int k = 0; k <= specs.size(); k++) {
                long[] t = k == 0 ? null : tShapes.get(specs.get(k - 1).teacherLayer());
                long width = k == 0 ? 2L * base.numClasses() // [logits | one-hot]
                        : KnowledgeKinds.get(specs.get(k - 1).kind()).targetWidth(t);
                if (width * base.size() <= left) {
                    kept[k] = new float[base.size()][];
                    left -= width * base.size();
                } else if (spillDir != null) {
                    spilled[k] = TargetFile.open(spillDir.resolve("teacher-targets-" + k + ".bin"), base.size(),
                            (int) width);
                }
            }
        }

        /** Deletes the spilled targets' files. */
        @Override
        public void close() {
            for (TargetFile f : spilled) {
                if (f != null) {
                    f.close();
                }
            }
        }

        /** The batch's targets of output k when every one is kept (in memory or spilled), else null. */
        private INDArray keptTargets(int k, int[] idx) {
            if (kept[k] == null) {
                return spilled[k] == null ? null : spilled[k].read(idx);
            }
            float[][] rows = new float[idx.length][];
            for (int i = 0; i < idx.length; i++) {
                rows[i] = kept[k][idx[i]];
                if (rows[i] == null) {
                    return null;
                }
            }
            return org.jvmcompress.core.util.Matrices.of(rows);
        }

        @Override
        public MultiDataSet makeMulti(int[] idx) {
            DataSet ds = base.make(idx);
            INDArray[] fromKept = new INDArray[1 + specs.size()];
            boolean all = true;
            for (int k = 0; k < fromKept.length && all; k++) {
                synchronized (kept) {
                    fromKept[k] = keptTargets(k, idx);
                }
                all = fromKept[k] != null;
            }
            if (all) {
                return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {ds.getFeatures()}, fromKept);
            }
            Map<String, INDArray> acts;
            synchronized (teacher) {
                acts = teacher.activations(ds.getFeatures(), specs.stream().map(Knowledge::teacherLayer).toList());
            }
            String out = teacher.outputName();
            float[][] probs = org.jvmcompress.core.util.Matrices.floatRows(acts.get(out));
            float[][] logits = new float[probs.length][];
            for (int i = 0; i < probs.length; i++) {
                logits[i] = TeacherOutputs.centredLog(probs[i]);
            }
            INDArray[] labels = new INDArray[1 + specs.size()];
            labels[0] = DistillationLossFunction.packLabels(org.jvmcompress.core.util.Matrices.of(logits),
                    ds.getLabels());
            for (int k = 0; k < specs.size(); k++) {
                Knowledge spec = specs.get(k);
                INDArray a = acts.get(spec.teacherLayer());
                INDArray flat = a.reshape('c', a.size(0), a.length() / a.size(0)).castTo(DataType.FLOAT);
                flat = KnowledgeKinds.get(spec.kind()).target(flat, tShapes.get(spec.teacherLayer()));
                labels[1 + k] = flat.dup();
            }
            if (teacher.freshResults()) {
                releaseAll(acts.values(), java.util.Set.of(bufferOf(ds.getFeatures())));
            }
            synchronized (kept) {
                for (int k = 0; k < labels.length; k++) {
                    if (kept[k] != null) {
                        float[][] rows = org.jvmcompress.core.util.Matrices.floatRows(labels[k]);
                        for (int i = 0; i < idx.length; i++) {
                            kept[k][idx[i]] = rows[i];
                        }
                    } else if (spilled[k] != null) {
                        spilled[k].write(idx, org.jvmcompress.core.util.Matrices.floats(labels[k]));
                    }
                }
            }
            return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {ds.getFeatures()}, labels);
        }
    }

    /**
     * Rows of floats by item in a file (item i at i * width floats), with which items have been written; the file is
     * deleted on {@link #close}. Where one output's targets are too big for memory (a hint's whole feature maps: for
     * cv-teacher's conv4 on the 54,000 training images, 5.4 GB), reading them back costs less than the teacher.
     */
    static final class TargetFile implements AutoCloseable {
        private final Path file;
        private final java.nio.channels.FileChannel channel;
        private final int width;
        private final boolean[] written;

        private TargetFile(Path file, java.nio.channels.FileChannel channel, int n, int width) {
            this.file = file;
            this.channel = channel;
            this.width = width;
            this.written = new boolean[n];
        }

        /** A new file for n rows, or null when the disk has less than twice their size free. */
        static TargetFile open(Path file, int n, int width) {
            long bytes = 4L * n * width;
            try {
                java.nio.file.Files.createDirectories(file.getParent());
                if (java.nio.file.Files.getFileStore(file.getParent()).getUsableSpace() < 2 * bytes) {
                    return null;
                }
                return new TargetFile(file, java.nio.channels.FileChannel.open(file,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                        java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE), n, width);
            } catch (java.io.IOException e) {
                throw new CompressionException("cannot create teacher-target file " + file + ": " + e.getMessage(), e);
            }
        }

        /** The rows of the items as one [idx.length, width] array, or null when one of them is not written yet. */
        synchronized INDArray read(int[] idx) {
            for (int i : idx) {
                if (!written[i]) {
                    return null;
                }
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(4 * width).order(java.nio.ByteOrder.nativeOrder());
            float[] out = new float[idx.length * width];
            try {
                for (int r = 0; r < idx.length; r++) {
                    buf.clear();
                    long at = 4L * idx[r] * width;
                    while (buf.hasRemaining()) {
                        if (channel.read(buf, at + buf.position()) < 0) {
                            throw new java.io.EOFException("row " + idx[r]);
                        }
                    }
                    buf.flip();
                    buf.asFloatBuffer().get(out, r * width, width);
                }
            } catch (java.io.IOException e) {
                throw new CompressionException("cannot read teacher-target file " + file + ": " + e.getMessage(), e);
            }
            return org.nd4j.linalg.factory.Nd4j.create(out, new long[] {idx.length, width}, 'c');
        }

        /** Writes the rows ({@code idx.length} rows of width floats, row-major) of the items. */
        synchronized void write(int[] idx, float[] rows) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(4 * width).order(java.nio.ByteOrder.nativeOrder());
            try {
                for (int r = 0; r < idx.length; r++) {
                    buf.clear();
                    buf.asFloatBuffer().put(rows, r * width, width);
                    long at = 4L * idx[r] * width;
                    while (buf.hasRemaining()) {
                        channel.write(buf, at + buf.position());
                    }
                    written[idx[r]] = true;
                }
            } catch (java.io.IOException e) {
                throw new CompressionException("cannot write teacher-target file " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public synchronized void close() {
            try {
                channel.close();
                java.nio.file.Files.deleteIfExists(file);
            } catch (java.io.IOException e) {
                throw new CompressionException("cannot delete teacher-target file " + file + ": " + e.getMessage(), e);
            }
        }
    }

    public static TrainedModels.Outcome distil(LoadedModel teacher, Task task, TaskData data,
                                               OfflineDistiller.Method method, List<Knowledge> given, TrainConfig c,
                                               Path runDir, Path studentFile, String command) {
        Compatibility.check(teacher, data, "teacher " + teacher.path());
        List<Knowledge> specs = given;
        if (given.isEmpty()) {
            throw new CompressionException("feature distillation needs at least one piece of knowledge (hint, at, ...)");
        }
        INDArray one = data.train().make(new int[] {0}).getFeatures();
        ComputationGraph student = task.build(c.architecture(), data, c);
        Map<String, long[]> sShapes = shapes(student, one);
        if (specs.stream().anyMatch(Knowledge::isPattern)) {
            if (teacher.graph() == null) {
                throw new CompressionException("layer patterns (enc*) need a DL4J teacher, whose layers can be listed;"
                        + " name the imported teacher's layers one by one");
            }
            specs = LayerMap.expand(given, shapes(teacher.graph(), one).keySet(), sShapes.keySet());
            System.err.println("layer map: " + String.join(", ", specs.stream().map(Knowledge::toString).toList()));
        }
        List<Knowledge> pairs = specs;
        List<String> teacherLayers = pairs.stream().map(Knowledge::teacherLayer).toList();
        NamedActivations view = view(teacher, teacherLayers);
        Map<String, long[]> tShapes = teacher.graph() != null ? shapes(teacher.graph(), one)
                : shapes(view.activations(one, teacherLayers));
        ComputationGraph trainee = withKnowledgeOutputs(student, pairs, sShapes, tShapes);
        OutputLoss.set(trainee, method.lossFunction());
        Path spill = runDir.resolve("teacher-targets");
        try (LiveTeacherSource live = new LiveTeacherSource(data.train(), view, pairs, tShapes, LiveTeacherSource.KEEP_BUDGET_FLOATS,
                spill)) {
            TaskData kd = data.withTrain(live, Hashing.sha256(data.dataHash() + "|teacher="
                    + Hashing.sha256(teacher.path()) + "|" + method + "|" + pairs));
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("distillation", Map.of("scheme", "offline, live teacher", "loss", method + " + "
                    + String.join(" + ", pairs.stream().map(Knowledge::toString).toList()), "teacher",
                    teacher.path().toString(), "teacherSha256", Hashing.sha256(teacher.path())));
            return TrainedModels.train(trainee, task, data, kd, c, runDir, studentFile, false, command, extra,
                    g -> OutputLoss.set(withoutKnowledgeOutputs(g, pairs.size()), new LossMCXENT()));
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(spill);
            } catch (java.io.IOException e) {
                // not empty (another run's files): left as it is
            }
        }
    }

}
