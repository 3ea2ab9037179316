package org.jvmcompress.core.task;

import org.jvmcompress.core.CompressionException;

/**
 * How a teacher is trained: Adam with the given learning rate, multiplied by {@code lrDecay} after every epoch, mini-batches, at most {@code maxEpochs} epochs,
 * stopping early when validation accuracy has not improved for {@code patience} epochs; the best epoch is kept.
 */
public record TrainConfig(String architecture, int maxEpochs, int batchSize, double learningRate, double lrDecay,
                          int patience, double l2, long seed, int trainLimit) {
    public TrainConfig {
        if (maxEpochs < 1) {
            throw new CompressionException("epochs must be at least 1, got " + maxEpochs);
        }
        if (batchSize < 1) {
            throw new CompressionException("batch size must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || learningRate > 1) {
            throw new CompressionException("learning rate must be in (0, 1], got " + learningRate);
        }
        if (!(lrDecay > 0) || lrDecay > 1) {
            throw new CompressionException("learning-rate decay per epoch must be in (0, 1], got " + lrDecay);
        }
        if (patience < 1) {
            throw new CompressionException("patience must be at least 1, got " + patience);
        }
        if (l2 < 0) {
            throw new CompressionException("l2 must be non-negative, got " + l2);
        }
        if (trainLimit < 0) {
            throw new CompressionException("train limit must be non-negative (0 = all), got " + trainLimit);
        }
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(architecture, e, batchSize, learningRate, lrDecay, patience, l2, seed, trainLimit);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(architecture, maxEpochs, batchSize, learningRate, lrDecay, patience, l2, s, trainLimit);
    }

    public TrainConfig withArchitecture(String a) {
        return new TrainConfig(a, maxEpochs, batchSize, learningRate, lrDecay, patience, l2, seed, trainLimit);
    }

    public TrainConfig withTrainLimit(int n) {
        return new TrainConfig(architecture, maxEpochs, batchSize, learningRate, lrDecay, patience, l2, seed, n);
    }

    public TrainConfig withBatchSize(int b) {
        return new TrainConfig(architecture, maxEpochs, b, learningRate, lrDecay, patience, l2, seed, trainLimit);
    }

    public TrainConfig withPatience(int p) {
        return new TrainConfig(architecture, maxEpochs, batchSize, learningRate, lrDecay, p, l2, seed, trainLimit);
    }

    public TrainConfig withLearningRate(double lr) {
        return new TrainConfig(architecture, maxEpochs, batchSize, lr, lrDecay, patience, l2, seed, trainLimit);
    }
}
