package org.jvmcompress.distill.loss;

import java.util.List;
import java.util.Locale;

/**
 * The adversarial term shared by {@code kd-adv} (on logits) and the {@code adv} knowledge kind (on features): a
 * {@link Discriminator} made on first use for the width it is shown, trained {@code steps} times on each batch
 * (teacher rows real, student rows fake) before the student's gradient is taken from it. Options:
 * {@code hidden} (units per hidden layer, default 64), {@code steps} (discriminator updates per student step, 1),
 * {@code lr} (its Adam learning rate, 2e-4), {@code seed} (its initial weights, 1). State lives in the instance:
 * each loss function of a network owns one, and a resumed run starts a new discriminator.
 */
final class Adversary {
    static final List<String> OPTIONS = List.of("hidden", "steps", "lr", "seed");

    final int hidden;
    final int steps;
    final double lr;
    final long seed;
    private Discriminator d;

    Adversary(Configured c) {
        hidden = c.integer("hidden", 64, 1, 4096);
        steps = c.integer("steps", 1, 1, 100);
        lr = c.number("lr", 2e-4, 1e-7, 1);
        seed = c.integer("seed", 1, 0, Integer.MAX_VALUE);
    }

    private Discriminator of(int width) {
        if (d == null || d.inputs() != width) {
            d = new Discriminator(width, hidden, lr, seed);
        }
        return d;
    }

    double score(double[][] student) {
        return student.length == 0 ? 0 : of(student[0].length).generatorLoss(student);
    }

    /** Trains the discriminator on the batch, then gives the student's per-example gradient. */
    double[][] gradient(double[][] student, double[][] teacher) {
        if (student.length == 0) {
            return new double[0][];
        }
        Discriminator disc = of(student[0].length);
        for (int k = 0; k < steps; k++) {
            disc.train(teacher, student);
        }
        return disc.generatorGradient(student);
    }

    /** The student's per-example gradient of {@link #score} with the discriminator as it is. */
    double[][] frozenGradient(double[][] student) {
        return student.length == 0 ? new double[0][] : of(student[0].length).generatorGradient(student);
    }

    /** The discriminator's loss on its last batch (NaN before any): near ln 4 = 1.39 when it cannot tell them apart. */
    double discriminatorLoss() {
        return d == null ? Double.NaN : d.lastLoss();
    }

    String describe() {
        return String.format(Locale.ROOT, "D %dx%d, %d step%s, lr %s", hidden, hidden, steps, steps == 1 ? "" : "s",
                SoftTargetLoss.trim(lr));
    }
}
