package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.Trainer;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.distill.loss.DistillationLossFunction;
import org.jvmcompress.distill.loss.LogitLosses;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Online distillation by deep mutual learning (Zhang et al., 2018): two or more networks train together from
 * scratch; on every batch each one in turn takes a step on the labels and on the average of the others' current
 * (softened) predictions. No pre-trained teacher is needed. The first network is the student that is kept; the
 * others' validation accuracy is recorded per epoch.
 */
public final class MutualDistiller {
    private MutualDistiller() {}

    /** The step: network i fits [mean of the peers' logits | labels] with the distillation loss. */
    static Trainer.Step step(double temperature) {
        TeacherMix avg = TeacherMix.parse("avg", 1);
        return (nets, ds) -> {
            INDArray x = ds.getFeatures(0);
            INDArray y = ds.getLabels(0);
            double loss = 0;
            for (int i = 0; i < nets.size(); i++) {
                List<float[][]> peers = new ArrayList<>();
                for (int j = 0; j < nets.size(); j++) {
                    if (j != i) {
                        float[][] p = org.jvmcompress.core.util.Matrices.floatRows(nets.get(j).outputSingle(false, x));
                        for (int r = 0; r < p.length; r++) {
                            p[r] = TeacherOutputs.centredLog(p[r]);
                        }
                        peers.add(p);
                    }
                }
                INDArray target = Nd4j.create(avg.combine(peers, null, temperature));
                ComputationGraph g = nets.get(i);
                loss += org.jvmcompress.core.train.TrainingSetup.fit(g, new org.nd4j.linalg.dataset.MultiDataSet(x,
                        DistillationLossFunction.packLabels(target, y)));
            }
            return loss / nets.size();
        };
    }

    /**
     * @param architectures the networks' architectures, the student first (at least two)
     */
    public static TrainedModels.Outcome distil(Task task, TaskData data, List<String> architectures,
                                               OfflineDistiller.Method method, TrainConfig c, Path runDir,
                                               Path studentFile, String command) {
        if (architectures.size() < 2) {
            throw new CompressionException("mutual learning needs at least two networks, got " + architectures.size());
        }
        if (method.loss().equals("ce")) {
            throw new CompressionException("mutual learning needs a distillation loss ("
                    + String.join(", ", LogitLosses.names().stream().filter(n -> !n.equals("ce")).toList()) + "), not ce");
        }
        List<ComputationGraph> nets = new ArrayList<>();
        for (int k = 0; k < architectures.size(); k++) {
            // Each network its own initialisation.
            ComputationGraph g = task.build(architectures.get(k), data, c.withSeed(c.seed() + 7919L * k));
            OutputLoss.set(g, method.lossFunction());
            nets.add(g);
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("scheme", "online (deep mutual learning)");
        d.put("loss", method.toString());
        d.put("networks", architectures);
        TaskData keyed = data.withTrain(data.train(), org.jvmcompress.core.util.Hashing.sha256(data.dataHash()
                + "|mutual=" + architectures + "|" + method));
        return TrainedModels.train(nets, step(method.temperature()), task, data, keyed, c, runDir, studentFile, false,
                command, Map.of("distillation", d), g -> OutputLoss.set(g, new LossMCXENT()));
    }
}
