package org.jvmcompress.core.task;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.FashionMnist;
import org.jvmcompress.core.data.ImageData;
import org.jvmcompress.core.data.Splits;
import org.jvmcompress.core.model.ModelInfo;
import org.jvmcompress.core.util.Hashing;

/** Image classification on Fashion-MNIST: 54,000 train / 6,000 validation (seeded) / the official 10,000 test. */
public final class CvTask implements Task {
    public static final double VALIDATION_FRACTION = 0.1;

    @Override
    public String name() {
        return "cv";
    }

    @Override
    public String description() {
        return "Fashion-MNIST image classification (10 classes, 28x28 greyscale)";
    }

    @Override
    public TaskData load(DataHome home, long splitSeed, ModelInfo encodingFrom) {
        FashionMnist fm = new FashionMnist(home);
        ImageData pool = fm.train();
        ImageData test = fm.test();
        return fromImages(pool, test, splitSeed, FashionMnist.dataHash());
    }

    @Override
    public TaskData fromFiles(java.nio.file.Path pool, java.nio.file.Path test, long splitSeed, ModelInfo enc) {
        if (enc != null && !"image".equals(enc.input())) {
            throw new org.jvmcompress.core.CompressionException("the model takes " + enc.input()
                    + " input, but task cv gives images");
        }
        long[] shape = enc != null ? enc.inputShape() : new long[] {1, 28, 28};
        if (shape.length != 3) {
            throw new org.jvmcompress.core.CompressionException("an image model needs an input shape [channels, height,"
                    + " width]; the sidecar says " + java.util.Arrays.toString(shape));
        }
        List<String> labels = enc != null ? enc.labels() : null;
        ImageData t = readImages(test, shape, labels);
        ImageData p = pool == null ? t.subset(new int[0]) : readImages(pool, shape, t.labelNames());
        String hash = org.jvmcompress.core.util.Hashing.sha256((pool == null ? "" : pool.toAbsolutePath().toString())
                + "|" + test.toAbsolutePath());
        return fromImages(p, t, splitSeed, hash);
    }

    /** Images from a folder per class, or a folder holding one IDX pair (*images*idx* and *labels*idx*). */
    static ImageData readImages(java.nio.file.Path p, long[] shape, List<String> labels) {
        java.nio.file.Path[] idx = idxPair(p);
        if (idx != null) {
            ImageData d = org.jvmcompress.core.data.Idx.readImages(idx[0], idx[1], labels);
            if (d.channels() != shape[0] || d.height() != shape[1] || d.width() != shape[2]) {
                throw new org.jvmcompress.core.CompressionException("IDX images in " + p + " are " + d.channels() + "x"
                        + d.height() + "x" + d.width() + "; the model takes " + java.util.Arrays.toString(shape));
            }
            return d;
        }
        return org.jvmcompress.core.data.ImageFolder.read(p, (int) shape[0], (int) shape[1], (int) shape[2], labels);
    }

    private static java.nio.file.Path[] idxPair(java.nio.file.Path dir) {
        if (!java.nio.file.Files.isDirectory(dir)) {
            return null;
        }
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(dir)) {
            List<java.nio.file.Path> files = s.filter(java.nio.file.Files::isRegularFile).sorted().toList();
            java.nio.file.Path img = files.stream().filter(f -> f.getFileName().toString().contains("images")
                    && f.getFileName().toString().contains("idx")).findFirst().orElse(null);
            java.nio.file.Path lab = files.stream().filter(f -> f.getFileName().toString().contains("labels")
                    && f.getFileName().toString().contains("idx")).findFirst().orElse(null);
            return img != null && lab != null ? new java.nio.file.Path[] {img, lab} : null;
        } catch (java.io.IOException e) {
            throw new org.jvmcompress.core.CompressionException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Any image data: the pool is split into train and validation with the seed; the test set is kept as is. */
    public TaskData fromImages(ImageData pool, ImageData test, long splitSeed, String sourceHash) {
        int[][] parts = Splits.split(pool.size(), new double[] {1 - VALIDATION_FRACTION, VALIDATION_FRACTION}, splitSeed);
        String hash = Hashing.sha256(name() + "|" + sourceHash + "|seed=" + splitSeed + "|val=" + VALIDATION_FRACTION);
        return new TaskData(name(), Batches.images(pool.subset(parts[0])), Batches.images(pool.subset(parts[1])),
                Batches.images(test), new long[] {pool.channels(), pool.height(), pool.width()}, "image",
                pool.labelNames(), Map.of("scale", 1.0 / 255, "layout", "NCHW"), null, hash, splitSeed);
    }

    @Override
    public Batches.Source unlabelled(java.nio.file.Path pool, TaskData d) {
        int ch = (int) d.inputShape()[0];
        int h = (int) d.inputShape()[1];
        int w = (int) d.inputShape()[2];
        List<java.nio.file.Path> files = org.jvmcompress.core.data.UnlabelledFiles.list(pool, "PNG/JPEG images",
                f -> f.matches("(?i).*\\.(png|jpe?g)$"));
        byte[] pixels = new byte[files.size() * ch * h * w];
        for (int i = 0; i < files.size(); i++) {
            System.arraycopy(org.jvmcompress.core.data.ImageFolder.load(files.get(i), ch, h, w), 0, pixels,
                    i * ch * h * w, ch * h * w);
        }
        return Batches.images(new ImageData(pixels, new int[files.size()], ch, h, w, d.labels()));
    }

    @Override
    public List<String> architectures() {
        return List.of("cv-teacher", "cv-student");
    }

    @Override
    public ComputationGraph build(String architecture, TaskData d, TrainConfig c) {
        if (architecture != null && architecture.startsWith(Tasks.FILE)) {
            return Tasks.fromFile(Tasks.checkArchitecture(this, architecture), d, c);
        }
        int ch = (int) d.inputShape()[0];
        int h = (int) d.inputShape()[1];
        int w = (int) d.inputShape()[2];
        if (architecture != null && architecture.startsWith(SearchNets.CV)) {
            return SearchNets.cv(SearchNets.parseCv(architecture), ch, h, w, d.numClasses(), c);
        }
        ArchSpec a = ArchSpec.parse(Tasks.checkArchitecture(this, architecture));
        Architectures.CvShape shape = switch (a.base()) {
            case "cv-teacher" -> Architectures.CvShape.TEACHER;
            case "cv-student" -> Architectures.CvShape.STUDENT;
            default -> throw new IllegalStateException(a.base());
        };
        return Architectures.cv(shape.scaled(a), ch, h, w, d.numClasses(), c);
    }

    @Override
    public String studentArchitecture() {
        return "cv-student";
    }

    @Override
    public TrainConfig defaultConfig() {
        return new TrainConfig("cv-teacher", 12, 128, 1e-3, 0.8, 3, 0, 42, 0);
    }
}
