package org.jvmcompress.core.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.data.Prefetcher;
import org.jvmcompress.core.eval.Predictions;
import org.jvmcompress.core.model.ModelStore;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Hashing;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised training with early stopping: an epoch over the (shuffled, seeded) training split, then accuracy on the
 * validation split; the best epoch's weights are kept; training stops after {@code patience} epochs without
 * improvement or at {@code maxEpochs}. After every epoch the folder {@code checkpoint/} gets the latest weights with
 * their optimiser state, the best weights, and {@code state.json}; a run started again on the same folder with the
 * same configuration resumes after the last finished epoch.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    static final String STATE = "state.json";

    /** One finished epoch. */
    public record Epoch(int epoch, double trainLoss, double validationAccuracy, double seconds) {}

    /** What is on disk after each epoch. */
    public record State(int schema, String runKey, int epochsDone, int bestEpoch, double bestValidationAccuracy,
                        String last, boolean finished, List<Epoch> history) {}

    /** The best network and the history. */
    public record Result(ComputationGraph best, State state, boolean resumed) {}

    private Trainer() {}

    /** The key that must match for a folder's checkpoint to be resumed. */
    public static String runKey(TrainConfig c, TaskData d) {
        // epochs and patience may change between runs: a finished run can be trained further with more epochs.
        TrainConfig k = c.withEpochs(1).withPatience(1);
        return Hashing.sha256(Json.write(k) + "|" + d.dataHash());
    }

    public static Result train(ComputationGraph fresh, TaskData d, TrainConfig c, Path runDir) {
        Path ckpt = runDir.resolve("checkpoint");
        Path statePath = ckpt.resolve(STATE);
        String key = runKey(c, d);
        ComputationGraph g = fresh;
        State st;
        boolean resumed = false;
        if (Files.isRegularFile(statePath)) {
            st = Json.read(statePath, State.class, "training state");
            if (!st.runKey().equals(key)) {
                throw new CompressionException("the folder " + runDir + " holds a checkpoint of a different run (other"
                        + " configuration or data); choose another --output or delete " + ckpt);
            }
            boolean more = st.epochsDone() < c.maxEpochs() && st.epochsDone() - st.bestEpoch() < c.patience();
            if (!more) {
                LOG.info("training already finished in {}", runDir);
                return new Result(ModelStore.loadCheckpoint(ckpt.resolve("best.zip")), st, true);
            }
            g = ModelStore.loadCheckpoint(ckpt.resolve(st.last()));
            resumed = true;
            System.err.printf(Locale.ROOT, "Resuming after epoch %d (best validation accuracy %.4f at epoch %d)%n",
                    st.epochsDone(), st.bestValidationAccuracy(), st.bestEpoch());
        } else {
            st = new State(1, key, 0, 0, -1, null, false, List.of());
        }
        Batches.Source train = d.train();
        if (c.trainLimit() > 0 && c.trainLimit() < train.size()) {
            train = Batches.limit(train, c.trainLimit());
        }
        Batches batches = new Batches(train, c.batchSize(), true, c.seed());
        int sinceBest = st.epochsDone() - st.bestEpoch();
        for (int e = st.epochsDone() + 1; e <= c.maxEpochs() && sinceBest < c.patience(); e++) {
            long t0 = System.nanoTime();
            batches.setEpoch(e);
            g.getConfiguration().setEpochCount(e - 1);
            double lossSum = 0;
            int steps = 0;
            Prefetcher<MultiDataSet> it = batches.prefetchedMulti();
            try (it; ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "epoch %d/%d", e, c.maxEpochs()),
                    train.size(), "samples")) {
                while (it.hasNext()) {
                    MultiDataSet ds = it.next();
                    g.fit(ds);
                    double loss = g.score();
                    if (!Double.isFinite(loss)) {
                        throw new CompressionException("training diverged at epoch " + e + " (loss " + loss
                                + "); lower the learning rate");
                    }
                    lossSum += loss;
                    steps++;
                    bar.suffix(String.format(Locale.ROOT, "loss %.4f", lossSum / steps));
                    bar.step(ds.getFeatures(0).size(0));
                }
            }
            double valAcc = Predictions.of(g, d.validation(), 256).accuracy();
            double secs = (System.nanoTime() - t0) / 1e9;
            Epoch ep = new Epoch(e, lossSum / Math.max(1, steps), valAcc, secs);
            List<Epoch> hist = new ArrayList<>(st.history());
            hist.add(ep);
            boolean better = valAcc > st.bestValidationAccuracy();
            String last = "last-" + e + ".zip";
            ModelStore.save(g, null, ckpt.resolve(last), true);
            if (better) {
                ModelStore.save(g, null, ckpt.resolve("best.zip"), false);
            }
            int bestEpoch = better ? e : st.bestEpoch();
            double bestAcc = better ? valAcc : st.bestValidationAccuracy();
            sinceBest = e - bestEpoch;
            boolean finished = e == c.maxEpochs() || sinceBest >= c.patience();
            String previous = st.last();
            st = new State(1, key, e, bestEpoch, bestAcc, last, finished, hist);
            Json.writeFile(statePath, st);
            if (previous != null && !previous.equals(last)) {
                AtomicFiles.deleteQuietly(ckpt.resolve(previous));
            }
            System.err.printf(Locale.ROOT, "epoch %d: train loss %.4f, validation accuracy %.4f%s, %s%n", e,
                    ep.trainLoss(), valAcc, better ? " (best)" : "", ProgressBar.formatDuration(secs));
        }
        if (!st.finished()) {
            st = new State(1, key, st.epochsDone(), st.bestEpoch(), st.bestValidationAccuracy(), st.last(), true,
                    st.history());
            Json.writeFile(statePath, st);
        }
        return new Result(ModelStore.loadCheckpoint(ckpt.resolve("best.zip")), st, resumed);
    }
}
