package org.jvmcompress.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.jvmcompress.core.data.DataHome;
import java.util.List;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.data.TextData;
import org.jvmcompress.core.data.Vocabulary;
import org.jvmcompress.core.model.ModelInfo;
import org.jvmcompress.core.model.ModelStore;
import org.jvmcompress.core.task.ModelData;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.quantize.EncoderHeads;
import org.jvmcompress.core.model.onnx.PretrainedEncoder;
import org.jvmcompress.core.model.onnx.SentenceEmbedder;
import org.jvmcompress.core.task.NlpTask;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;
import org.jvmcompress.distill.EmbeddingDistiller;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@code probe-encoder}: how much a built-in text task's classes can be read from a pretrained encoder's sentence
 * embeddings: the encoder frozen, a head (softmax regression, or one hidden layer) trained on the task's own training
 * split, the epoch chosen on its validation split, accuracy on its test split (the same 80/10/10 split, seed 42, as
 * the task's other models). The embeddings are cached in the run folder, so a rerun trains heads only.
 */
final class ProbeEncoderCommand implements Command {
    @Override
    public String name() {
        return "probe-encoder";
    }

    @Override
    public String summary() {
        return "accuracy of a head trained on a pretrained encoder's frozen sentence embeddings, on a text task's split";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("teacher").hasArg().argName("NAME").desc("default minilm").build())
                .addOption(Option.builder("t").longOpt("task").hasArg().argName("TASK")
                        .desc("a built-in text task (default wordnet)").build())
                .addOption(Option.builder().longOpt("hidden").hasArg().argName("N")
                        .desc("units of one hidden ReLU layer in the head (default 0: softmax regression)").build())
                .addOption(Option.builder().longOpt("save-teacher").desc("train and test on the task's encoded"
                        + " texts (its token ids written back as text: what a student sees) and save encoder + head"
                        + " as a teacher model, teacher.zip with its sidecar, for distill --teacher").build())
                .addOption(Option.builder().longOpt("limit").hasArg().argName("N")
                        .desc("use only the first N texts of each part of the split (a quick check; default: all)").build())
                .addOption(Option.builder().longOpt("epochs").hasArg().argName("N").desc("default 30").build())
                .addOption(Option.builder().longOpt("lr").hasArg().argName("X").desc("Adam's rate (default 0.003)").build())
                .addOption(Option.builder("o").longOpt("output").hasArg().argName("DIR")
                        .desc("run folder (default runs/probe-encoder)").build());
    }

    @Override
    public int run(CommandLine cl) {
        PretrainedEncoder pe = PretrainedEncoder.get(cl.getOptionValue("teacher", "minilm"));
        String taskName = cl.getOptionValue("task", "wordnet");
        Task task = Tasks.get(taskName);
        if (!(task instanceof NlpTask nlp)) {
            throw new UsageException("--task must be a built-in text task, got " + taskName);
        }
        int hidden = Cli.intOpt(cl, "hidden", 0, 0);
        int epochs = Cli.intOpt(cl, "epochs", 30, 1);
        double lr = Cli.doubleOpt(cl, "lr", 0.003, 1e-9);
        long seed = Cli.seed(cl);
        int limit = Cli.intOpt(cl, "limit", Integer.MAX_VALUE, 10);
        DataHome home = Cli.dataHome(cl);
        boolean save = cl.hasOption("save-teacher");
        Path out = Cli.output(cl, "runs/probe-encoder");
        INDArray[] x = new INDArray[3];
        INDArray[] y = new INDArray[3];
        int[] sizes = new int[3];
        String[] names = {"train", "validation", "test"};
        TaskData td = null;
        int classes;
        try (SentenceEmbedder teacher = org.jvmcompress.quantize.Encoders.embedder(pe, home)) {
            if (save) {
                // the task's own split and encoding (as distill reads it), its token ids written back as text
                td = nlp.load(home, 42, null);
                Vocabulary v = new Vocabulary(td.vocabulary());
                Batches.Source[] parts = {td.train(), td.validation(), td.test()};
                classes = td.numClasses();
                for (int p = 0; p < 3; p++) {
                    int n = Math.min(limit, parts[p].size());
                    DataSet ds = parts[p].make(java.util.stream.IntStream.range(0, n).toArray());
                    List<String> texts = EncoderHeads.decode(ds.getFeatures(), v);
                    x[p] = EmbeddingDistiller.teacherEmbeddings(teacher, pe.onnxSha256(), texts, out, names[p]);
                    y[p] = ds.getLabels();
                    sizes[p] = n;
                }
            } else {
                TextData all = nlp.corpus().loader().apply(home);
                int[][] split = NlpTask.split(all, 42);
                classes = all.numClasses();
                for (int p = 0; p < 3; p++) {
                    split[p] = java.util.Arrays.copyOf(split[p], Math.min(limit, split[p].length));
                    TextData part = all.subset(split[p]);
                    x[p] = EmbeddingDistiller.teacherEmbeddings(teacher, pe.onnxSha256(), part.texts(), out, names[p]);
                    y[p] = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, part.size(), classes);
                    for (int i = 0; i < part.size(); i++) {
                        y[p].putScalar(i, part.labels()[i], 1);
                    }
                    sizes[p] = part.size();
                }
            }
        }
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(lr))
                .weightInit(WeightInit.XAVIER).list();
        int width = (int) x[0].size(1);
        if (hidden > 0) {
            b.layer(new DenseLayer.Builder().nIn(width).nOut(hidden).activation(Activation.RELU).build());
        }
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden > 0 ? hidden : width)
                .nOut(classes).activation(Activation.SOFTMAX).build());
        MultiLayerNetwork head = new MultiLayerNetwork(b.build());
        head.init();
        double bestVal = -1;
        int bestEpoch = 0;
        INDArray bestParams = null;
        DataSet train = new DataSet(x[0], y[0]);
        try (ProgressBar bar = new ProgressBar("head on " + pe.name() + " embeddings", epochs, "epochs")) {
            for (int e = 1; e <= epochs; e++) {
                train.shuffle(seed + e);
                for (DataSet batch : train.batchBy(256)) {
                    head.fit(batch);
                }
                double val = accuracy(head, x[1], y[1]);
                if (val > bestVal) {
                    bestVal = val;
                    bestEpoch = e;
                    bestParams = head.params().dup();
                }
                bar.step(1);
                bar.suffix(String.format(Locale.ROOT, "validation %.4f (best %.4f, epoch %d)", val, bestVal, bestEpoch));
            }
        }
        head.setParams(bestParams);
        double test = accuracy(head, x[2], y[2]);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", Cli.commandLine(name(), cl));
        r.put("encoder", pe.coordinates() + " (" + pe.description() + "), frozen");
        r.put("task", taskName);
        r.put("split", "80/10/10, seed 42 (the task's own)" + (limit < Integer.MAX_VALUE ? "; first " + limit
                + " of each part only" : ""));
        r.put("input", save ? "the task's token ids written back as text (what a student sees)" : "the original texts");
        r.put("train", sizes[0]);
        r.put("validation", sizes[1]);
        r.put("test", sizes[2]);
        r.put("head", hidden > 0 ? "dense " + hidden + " ReLU + softmax" : "softmax regression");
        r.put("head_params", head.numParams());
        r.put("epochs", epochs);
        r.put("best_epoch", bestEpoch);
        r.put("validation_accuracy", bestVal);
        r.put("test_accuracy", test);
        if (save) {
            Path teacherFile = out.resolve("teacher.zip");
            ModelInfo base = ModelData.describing(taskName, pe.name() + "+" + r.get("head"), td);
            ModelInfo info = new ModelInfo(base.schema(), base.task(), base.architecture(), base.labels(),
                    base.inputShape(), base.input(), base.preprocessing(), base.vocabulary(),
                    Map.of("head_epochs", epochs, "best_epoch", bestEpoch, "learning_rate", lr), seed, base.dataHash(),
                    EncoderHeads.runtime(pe), base.created(), base.splitSeed(), base.data());
            ModelStore.save(head.toComputationGraph(), info, teacherFile, false);
            r.put("teacher", teacherFile.toString());
        }
        Json.writeFile(out.resolve("probe.json"), r);
        System.out.printf(Locale.ROOT, "%s embeddings (frozen) + %s on %s: validation %.4f (epoch %d), test %.4f%n",
                pe.name(), r.get("head"), taskName, bestVal, bestEpoch, test);
        System.out.println("wrote " + out.resolve("probe.json") + (save ? " and " + out.resolve("teacher.zip") : ""));
        return 0;
    }

    private static double accuracy(MultiLayerNetwork head, INDArray x, INDArray y) {
        INDArray p = head.output(x, false);
        return p.argMax(1).eq(y.argMax(1)).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).meanNumber().doubleValue();
    }
}
