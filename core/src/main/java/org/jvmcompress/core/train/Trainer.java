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

    /**
     * One finished epoch; {@code peerValidationAccuracy} holds the validation accuracy of the other networks when
     * several train together (null otherwise).
     */
    public record Epoch(int epoch, double trainLoss, double validationAccuracy, double seconds,
                        List<Double> peerValidationAccuracy) {}

    /** What is on disk after each epoch. */
    public record State(int schema, String runKey, int epochsDone, int bestEpoch, double bestValidationAccuracy,
                        String last, boolean finished, List<Epoch> history) {}

    /** The best network and the history. */
    public record Result(ComputationGraph best, State state, boolean resumed) {}

    /** The networks at the best epoch of the first one, when several train together. */
    public record MultiResult(List<ComputationGraph> best, State state, boolean resumed) {}

    /** One optimisation step of all networks on a batch; returns the loss to report. */
    @FunctionalInterface
    public interface Step {
        double fit(List<ComputationGraph> nets, MultiDataSet batch);
    }

    /** The plain step: fit the first network on the batch. */
    public static final Step FIT = (nets, ds) -> TrainingSetup.fit(nets.get(0), ds);

    private Trainer() {}

    /** The key that must match for a folder's checkpoint to be resumed. */
    public static String runKey(TrainConfig c, TaskData d) {
        // epochs and patience may change between runs: a finished run can be trained further with more epochs.
        TrainConfig k = c.withEpochs(1).withPatience(1);
        return Hashing.sha256(Json.write(k) + "|" + d.dataHash());
    }

    public static Result train(ComputationGraph fresh, TaskData d, TrainConfig c, Path runDir) {
        MultiResult r = train(List.of(fresh), d, c, runDir, FIT);
        return new Result(r.best().get(0), r.state(), r.resumed());
    }

    /** The checkpoint file of network {@code k} ("best.zip", "last-3.zip" for the first, "best.peer1.zip"...). */
    static String fileOf(String name, int k) {
        return k == 0 ? name : name.replace(".zip", ".peer" + k + ".zip");
    }

    private static List<ComputationGraph> load(Path ckpt, String name, int count) {
        List<ComputationGraph> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            out.add(ModelStore.loadCheckpoint(ckpt.resolve(fileOf(name, k))));
        }
        return out;
    }

    /**
     * Trains several networks together, one {@code step} per batch (e.g. deep mutual learning); the first network
     * is the one early stopping and "best" refer to, the others are checkpointed beside it.
     */
    public static MultiResult train(List<ComputationGraph> fresh, TaskData d, TrainConfig c, Path runDir, Step step) {
        Path ckpt = runDir.resolve("checkpoint");
        Path statePath = ckpt.resolve(STATE);
        String key = runKey(c, d) + (fresh.size() > 1 ? "|nets=" + fresh.size() : "");
        List<ComputationGraph> nets = fresh;
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
                return new MultiResult(load(ckpt, "best.zip", fresh.size()), st, true);
            }
            nets = load(ckpt, st.last(), fresh.size());
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
        nets.forEach(TrainingSetup::prepare);
        LOG.info("training steps: {}", TrainingSetup.trainerOf(nets.get(0)));
        int sinceBest = st.epochsDone() - st.bestEpoch();
        for (int e = st.epochsDone() + 1; e <= c.maxEpochs() && sinceBest < c.patience(); e++) {
            long t0 = System.nanoTime();
            batches.setEpoch(e);
            for (ComputationGraph g : nets) {
                g.getConfiguration().setEpochCount(e - 1);
            }
            double lossSum = 0;
            int steps = 0;
            Prefetcher<MultiDataSet> it = batches.prefetchedMulti();
            try (it; ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "epoch %d/%d", e, c.maxEpochs()),
                    train.size(), "samples")) {
                while (it.hasNext()) {
                    MultiDataSet ds = it.next();
                    double loss = step.fit(nets, ds);
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
            double valAcc = Predictions.of(nets.get(0), d.validation(), 256).accuracy();
            List<Double> peers = null;
            if (nets.size() > 1) {
                peers = new ArrayList<>();
                for (ComputationGraph g : nets.subList(1, nets.size())) {
                    peers.add(Predictions.of(g, d.validation(), 256).accuracy());
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Epoch ep = new Epoch(e, lossSum / Math.max(1, steps), valAcc, secs, peers);
            List<Epoch> hist = new ArrayList<>(st.history());
            hist.add(ep);
            boolean better = valAcc > st.bestValidationAccuracy();
            String last = "last-" + e + ".zip";
            for (int k = 0; k < nets.size(); k++) {
                ModelStore.save(nets.get(k), null, ckpt.resolve(fileOf(last, k)), true);
                if (better) {
                    ModelStore.save(nets.get(k), null, ckpt.resolve(fileOf("best.zip", k)), false);
                }
            }
            int bestEpoch = better ? e : st.bestEpoch();
            double bestAcc = better ? valAcc : st.bestValidationAccuracy();
            sinceBest = e - bestEpoch;
            boolean finished = e == c.maxEpochs() || sinceBest >= c.patience();
            String previous = st.last();
            st = new State(1, key, e, bestEpoch, bestAcc, last, finished, hist);
            Json.writeFile(statePath, st);
            if (previous != null && !previous.equals(last)) {
                for (int k = 0; k < nets.size(); k++) {
                    AtomicFiles.deleteQuietly(ckpt.resolve(fileOf(previous, k)));
                }
            }
            System.err.printf(Locale.ROOT, "epoch %d: train loss %.4f, validation accuracy %.4f%s%s, %s%n", e,
                    ep.trainLoss(), valAcc, peers == null ? "" : " (peers " + peers.stream()
                            .map(p -> String.format(Locale.ROOT, "%.4f", p)).toList() + ")",
                    better ? " (best)" : "", ProgressBar.formatDuration(secs));
        }
        if (!st.finished()) {
            st = new State(1, key, st.epochsDone(), st.bestEpoch(), st.bestValidationAccuracy(), st.last(), true,
                    st.history());
            Json.writeFile(statePath, st);
        }
        return new MultiResult(load(ckpt, "best.zip", nets.size()), st, resumed);
    }
}
