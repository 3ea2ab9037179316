package org.jvmcompress.core.task;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.DataSource;
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
        return "image classification: built-in Fashion-MNIST (10 classes, 28x28 greyscale) or your image folders";
    }

    @Override
    public TaskData load(DataHome home, long splitSeed, ModelInfo encodingFrom) {
        FashionMnist fm = new FashionMnist(home);
        ImageData pool = fm.train();
        ImageData test = fm.test();
        TaskData d = fromImages(pool, test, splitSeed, FashionMnist.dataHash());
        return d.withSource(new DataSource(DataSource.BUILTIN, BUILTIN, null, null, null, splitSeed,
                Map.of("train", 1 - VALIDATION_FRACTION, "validation", VALIDATION_FRACTION), d.labels(),
                encoding(d.inputShape(), false, null)));
    }

    /** The built-in set's name in data records. */
    public static final String BUILTIN = "fashion-mnist";

    @Override
    public String builtinHash(long splitSeed, ModelInfo encodingFrom) {
        return splitHash(FashionMnist.dataHash(), splitSeed);
    }

    private String splitHash(String sourceHash, long splitSeed) {
        return Hashing.sha256(name() + "|" + sourceHash + "|seed=" + splitSeed + "|val=" + VALIDATION_FRACTION);
    }

    private static Map<String, Object> encoding(long[] shape, boolean resized, Map<String, Integer> nativeSizes) {
        Map<String, Object> e = new java.util.LinkedHashMap<>();
        e.put("channels", shape[0]);
        e.put("height", shape[1]);
        e.put("width", shape[2]);
        e.put("scale", 1.0 / 255);
        e.put("layout", "NCHW");
        if (resized) {
            e.put("resized", true);
            e.put("resize", shape[0] == 1 ? "bilinear; colour to grey by luminance (0.299 R + 0.587 G + 0.114 B)"
                    : "bilinear; grey pictures in all three channels, transparency on black");
        }
        if (nativeSizes != null) {
            e.put("nativeSizes", nativeSizes);
        }
        return e;
    }

    /**
     * A user's images: a folder per class (PNG/JPEG, any size) or a folder with an IDX pair. The shape is the
     * model's when {@code enc} is given, else {@code --channels}/{@code --image-size}, else the data's most common
     * size (colour when any image is). Images of another size than the model's are refused unless the request
     * allows resizing or the model was itself trained on resized images. The classes are the model's, else the
     * request's, else the training folder's sorted names; the test set's classes must be among them.
     */
    @Override
    public TaskData fromFiles(DataRequest req, long splitSeed, ModelInfo enc) {
        if (enc != null && !"image".equals(enc.input())) {
            throw new org.jvmcompress.core.CompressionException("the model takes " + enc.input()
                    + " input, but task cv gives images");
        }
        long[] shape = enc != null ? enc.inputShape() : imageShape(req, null);
        if (shape.length != 3) {
            throw new org.jvmcompress.core.CompressionException("an image model needs an input shape [channels, height,"
                    + " width]; the sidecar says " + java.util.Arrays.toString(shape));
        }
        List<String> labels = enc != null ? enc.labels() : req.labels();
        boolean mayResize = enc == null || req.resize() || (enc.data() != null && enc.data().encoding() != null
                && Boolean.TRUE.equals(enc.data().encoding().get("resized")));
        Images pool = req.data() == null ? null : readImages(req.data(), shape, labels, mayResize);
        List<String> classes = pool != null ? pool.data().labelNames() : labels;
        Images test = req.testData() == null ? null : readImages(req.testData(), shape, classes, mayResize);
        if (classes == null) {
            classes = test.data().labelNames();
        }
        java.util.SortedMap<String, Integer> sizes = new java.util.TreeMap<>();
        boolean resized = false;
        for (Images i : new Images[] {pool, test}) {
            if (i != null) {
                i.nativeSizes().forEach((k, v) -> sizes.merge(k, v, Integer::sum));
                resized |= !i.same();
            }
        }
        ImageData poolData = pool == null ? test.data().subset(new int[0]) : pool.data();
        List<String> keys = pixelKeys(poolData);
        Map<String, Double> fractions = test == null ? Map.of("train", 0.8, "validation", 0.1, "test", 0.1)
                : Map.of("train", 1 - VALIDATION_FRACTION, "validation", VALIDATION_FRACTION);
        int[][] parts = Splits.split(keys, test == null ? new double[] {0.8, 0.1, 0.1}
                : new double[] {1 - VALIDATION_FRACTION, VALIDATION_FRACTION}, splitSeed);
        ImageData train = poolData.subset(parts[0]);
        ImageData val = poolData.subset(parts[1]);
        ImageData testData = test == null ? poolData.subset(parts[2]) : test.data();
        DataSource.Part trainPart = pool == null ? null
                : org.jvmcompress.core.data.DataFiles.part(req.data(), pool.format(), poolData.size());
        DataSource.Part testPart = test == null ? null
                : org.jvmcompress.core.data.DataFiles.part(req.testData(), test.format(), test.data().size());
        String hash = Hashing.sha256(name() + "|train=" + (trainPart == null ? "" : trainPart.sha256()) + "|test="
                + (testPart == null ? "" : testPart.sha256()) + "|seed=" + splitSeed + "|fractions=" + fractions
                + "|shape=" + java.util.Arrays.toString(shape));
        DataSource src = new DataSource(DataSource.FILES, null, trainPart, testPart, null, splitSeed,
                new java.util.TreeMap<>(fractions), classes, encoding(shape, resized, sizes));
        TaskData d = new TaskData(name(), Batches.images(train), Batches.images(val), Batches.images(testData),
                shape.clone(), "image", classes, Map.of("scale", 1.0 / 255, "layout", "NCHW"), null, hash, splitSeed,
                src, List.of());
        if (resized) {
            d = d.withNote("images resized or converted to " + shape[1] + "x" + shape[2]
                    + (shape[0] == 1 ? " grey" : " rgb") + " from " + sizes);
        }
        if (pool != null && test != null) {
            long dup = Splits.overlap(keys, pixelKeys(testData));
            if (dup > 0) {
                d = d.withNote(String.format(java.util.Locale.ROOT, "warning: %,d of the %,d test images also appear"
                        + " in the training data %s (identical pixels); test accuracy overstates what the model does"
                        + " on new images", dup, testData.size(), req.data()));
            }
        }
        return d;
    }

    /**
     * The [channels, height, width] new image data is read at: {@code --channels}, else {@code channels} (e.g. a
     * network's first convolution), else colour when any probed image is; {@code --image-size}, else the data's most
     * common size. The data is probed only for what is not given.
     */
    public static long[] imageShape(DataRequest req, Integer channels) {
        Integer ch = req.channels() != null ? req.channels() : channels;
        int[] size = req.imageSize();
        int[] probe = ch != null && size != null ? null
                : probeShape(req.data() != null ? req.data() : req.testData());
        return new long[] {ch != null ? ch : probe[0], size != null ? size[0] : probe[1], size != null ? size[1] : probe[2]};
    }

    private static int[] probeShape(java.nio.file.Path p) {
        java.nio.file.Path[] idx = idxPair(p);
        if (idx != null) {
            ImageData d = org.jvmcompress.core.data.Idx.readImages(idx[0], idx[1], null);
            return new int[] {d.channels(), d.height(), d.width()};
        }
        return org.jvmcompress.core.data.ImageFolder.probeShape(p, 20);
    }

    /** Images as read, their format, their native sizes and whether all had the requested shape already. */
    record Images(ImageData data, String format, java.util.SortedMap<String, Integer> nativeSizes, boolean same) {}

    /** One key per image (a hash of its pixels), so that identical images stay on one side of a split. */
    static List<String> pixelKeys(ImageData d) {
        List<String> keys = new java.util.ArrayList<>(d.size());
        int per = d.pixelsPerImage();
        for (int i = 0; i < d.size(); i++) {
            java.security.MessageDigest md = Hashing.sha256();
            md.update(d.pixels(), i * per, per);
            keys.add(java.util.HexFormat.of().formatHex(md.digest(), 0, 12));
        }
        return keys;
    }

    /** Images from a folder per class, or a folder holding one IDX pair (*images*idx* and *labels*idx*). */
    static Images readImages(java.nio.file.Path p, long[] shape, List<String> labels, boolean mayResize) {
        java.nio.file.Path[] idx = idxPair(p);
        if (idx != null) {
            ImageData d = org.jvmcompress.core.data.Idx.readImages(idx[0], idx[1], labels);
            if (d.channels() != shape[0] || d.height() != shape[1] || d.width() != shape[2]) {
                throw new org.jvmcompress.core.CompressionException("IDX images in " + p + " are " + d.channels() + "x"
                        + d.height() + "x" + d.width() + "; the model takes " + java.util.Arrays.toString(shape));
            }
            java.util.SortedMap<String, Integer> sizes = new java.util.TreeMap<>(Map.of(
                    org.jvmcompress.core.data.ImageFolder.sizeName(d.channels(), d.height(), d.width()), d.size()));
            return new Images(d, "idx", sizes, true);
        }
        var r = org.jvmcompress.core.data.ImageFolder.readWithSizes(p, (int) shape[0], (int) shape[1], (int) shape[2],
                labels);
        boolean same = r.allAre((int) shape[0], (int) shape[1], (int) shape[2]);
        if (!same && !mayResize) {
            throw new org.jvmcompress.core.CompressionException("the images in " + p + " are " + r.nativeSizes()
                    + ", but the model takes " + shape[2] + "x" + shape[1] + (shape[0] == 1 ? " grey" : " rgb")
                    + " and was trained on images of that size; pass --resize to resize and convert them (bilinear),"
                    + " or name images of the model's size");
        }
        return new Images(r.data(), "image-folder", r.nativeSizes(), same);
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
        return new TaskData(name(), Batches.images(pool.subset(parts[0])), Batches.images(pool.subset(parts[1])),
                Batches.images(test), new long[] {pool.channels(), pool.height(), pool.width()}, "image",
                pool.labelNames(), Map.of("scale", 1.0 / 255, "layout", "NCHW"), null, splitHash(sourceHash, splitSeed),
                splitSeed);
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
