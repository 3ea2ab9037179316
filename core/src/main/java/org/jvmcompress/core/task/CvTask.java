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

    /** Any image data: the pool is split into train and validation with the seed; the test set is kept as is. */
    public TaskData fromImages(ImageData pool, ImageData test, long splitSeed, String sourceHash) {
        int[][] parts = Splits.split(pool.size(), new double[] {1 - VALIDATION_FRACTION, VALIDATION_FRACTION}, splitSeed);
        String hash = Hashing.sha256(name() + "|" + sourceHash + "|seed=" + splitSeed + "|val=" + VALIDATION_FRACTION);
        return new TaskData(name(), Batches.images(pool.subset(parts[0])), Batches.images(pool.subset(parts[1])),
                Batches.images(test), new long[] {pool.channels(), pool.height(), pool.width()}, "image",
                pool.labelNames(), Map.of("scale", 1.0 / 255, "layout", "NCHW"), null, hash);
    }

    @Override
    public List<String> architectures() {
        return List.of("cv-teacher", "cv-student");
    }

    @Override
    public ComputationGraph build(String architecture, TaskData d, TrainConfig c) {
        String a = Tasks.checkArchitecture(this, architecture);
        int ch = (int) d.inputShape()[0];
        int h = (int) d.inputShape()[1];
        int w = (int) d.inputShape()[2];
        return switch (a) {
            case "cv-teacher" -> Architectures.cvTeacher(ch, h, w, d.numClasses(), c);
            case "cv-student" -> Architectures.cvStudent(ch, h, w, d.numClasses(), c);
            default -> throw new IllegalStateException(a);
        };
    }

    @Override
    public TrainConfig defaultConfig() {
        return new TrainConfig("cv-teacher", 12, 128, 1e-3, 0.8, 3, 0, 42, 0);
    }
}
