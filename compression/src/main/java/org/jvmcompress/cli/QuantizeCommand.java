package org.jvmcompress.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.EvaluationReport;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.quantize.Calibration;
import org.jvmcompress.quantize.Quantization;
import org.jvmcompress.quantize.Quantizer;

/** {@code quantize}: post-training quantisation of a model into a .jcq file, evaluated against the float model. */
final class QuantizeCommand implements Command {
    @Override
    public String name() {
        return "quantize";
    }

    @Override
    public String summary() {
        return "post-training quantisation (int8 per tensor/channel, int4 weights, fp16/bf16, mixed by sensitivity)"
                + " into a .jcq file, evaluated against the float model";
    }

    @Override
    public Options options() {
        return Cli.withDataOptions(new Options()
                .addOption(Option.builder("m").longOpt("model").hasArg().argName("FILE").required()
                        .desc("float model: a DL4J zip with its sidecar (its own data calibrates it and tests it), or"
                                + " a Keras .keras/.h5, an ONNX file (ops: " + String.join(", ",
                                org.jvmcompress.core.model.onnx.OnnxLowering.SUPPORTED) + ") or a bare DL4J zip with"
                                + " --data").build())
                .addOption(Option.builder().longOpt("mode").hasArg().argName("MODE")
                        .desc(String.join(", ", Quantizer.MODES) + " (default int8-per-channel)").build())
                .addOption(Option.builder().longOpt("calibration").hasArg().argName("NAME")
                        .desc("activation range chooser: " + String.join(", ", Calibration.CHOOSERS)
                                + " (default percentile)").build())
                .addOption(Option.builder().longOpt("calibration-items").hasArg().argName("N")
                        .desc("training items used to calibrate (default 1024)").build())
                .addOption(Option.builder().longOpt("asymmetric").desc("weights with a zero point (default symmetric)").build())
                .addOption(Option.builder().longOpt("budget").hasArg().argName("POINTS")
                        .desc("mixed: accuracy points the model may lose on the validation split (default 0.3)").build())
                .addOption(Option.builder().longOpt("qat-epochs").hasArg().argName("N")
                        .desc("int8 modes: quantisation-aware training for N epochs on the model's training data after"
                                + " calibration (fake-quantised weights and activations, straight-through gradients;"
                                + " default 0: post-training only)").build())
                .addOption(Option.builder().longOpt("qat-lr").hasArg().argName("X")
                        .desc("learning rate of quantisation-aware training (Adam, default "
                                + org.jvmcompress.quantize.Qat.LR + ")").build())
                .addOption(Option.builder().longOpt("no-speed").desc("skip the latency/throughput measurement").build()));
    }

    @Override
    public int run(CommandLine cl) {
        int qatEpochs = Cli.intOpt(cl, "qat-epochs", 0, 0);
        String mode = cl.getOptionValue("mode", "int8-per-channel");
        if (qatEpochs > 0 && !org.jvmcompress.quantize.QuantMode.of(mode).qat()) {
            throw new UsageException("--qat-epochs: quantisation-aware training is for the modes "
                    + String.join(", ", org.jvmcompress.quantize.QuantMode.qatNames()) + ", not " + mode);
        }
        if (cl.hasOption("qat-lr") && qatEpochs == 0) {
            throw new UsageException("--qat-lr goes with --qat-epochs N (quantisation-aware training)");
        }
        LoadedModel m = Models.load(Path.of(cl.getOptionValue("model")));
        if (m.graph() == null && !m.format().equals("onnx")) {
            throw new CompressionException("model " + m.path() + " (" + m.format() + ") runs through its own runtime and"
                    + " has no float layers to quantise");
        }
        org.jvmcompress.core.task.ModelData.Resolved resolved = Cli.data(cl, m, "model", true, false);
        m = resolved.model();
        if (m.graph() == null) {
            // ONNX runs through SameDiff; its convolutional and dense ops become DL4J layers to quantise.
            m = org.jvmcompress.core.model.onnx.OnnxLowering.lower(m);
            System.err.println("ONNX model lowered to DL4J layers (checked against its SameDiff outputs)");
        }
        Task task = Tasks.get(m.info().task());
        Quantizer.Settings s = new Quantizer.Settings(mode,
                cl.getOptionValue("calibration", "percentile"), Cli.intOpt(cl, "calibration-items", 1024, 1), null,
                cl.hasOption("asymmetric"));
        double budget = Cli.doubleOpt(cl, "budget", 0.3) / 100;
        Path out = Cli.output(cl, "runs/quantize-" + task.name());
        TaskData data = resolved.data();
        String base = m.path().getFileName().toString().replaceAll("\\.[^.]+$", "");
        Path file = out.resolve(base + "-" + s.mode() + ".jcq");
        Quantization.Result r;
        if (qatEpochs > 0) {
            TrainConfig qat = org.jvmcompress.quantize.Qat.config(task, m.info().architecture(),
                    qatEpochs, Cli.doubleOpt(cl, "qat-lr", org.jvmcompress.quantize.Qat.LR, 0),
                    Cli.seed(cl));
            System.err.printf(Locale.ROOT, "quantisation-aware training: %d epoch(s) at learning rate %s%n", qatEpochs,
                    qat.learningRate());
            r = new Quantization.Result(file, Quantization.qat(m, data, s, qat, out.resolve("qat"), file,
                    Cli.commandLine(name(), cl)), null);
        } else {
            r = Quantization.run(m, data, s, budget, file, Cli.commandLine(name(), cl));
        }
        Evaluator.SpeedSettings speed = cl.hasOption("no-speed") ? Evaluator.SpeedSettings.NONE
                : Evaluator.SpeedSettings.DEFAULT;
        EvaluationReport q = Evaluator.evaluate(r.model(), data, speed, m);
        Json.writeFile(out.resolve("evaluation.json"), q);
        if (r.sensitivity() != null) {
            Json.writeFile(out.resolve("sensitivity.json"), r.sensitivity().layers());
        }
        double floatAcc = Evaluator.accuracy(m.graph(), data.test());
        System.out.print(Render.text(q));
        try {
            System.out.printf(Locale.ROOT, "%s: %s, %,d bytes (float %,d bytes, %.2fx smaller); test accuracy %.2f %%"
                            + " (float %.2f %%, %+.2f points)%n", s.mode(), file, Files.size(file), Files.size(m.path()),
                    Files.size(m.path()) / (double) Files.size(file), 100 * q.metrics().accuracy(), 100 * floatAcc,
                    100 * (q.metrics().accuracy() - floatAcc));
        } catch (java.io.IOException e) {
            throw new CompressionException("cannot read sizes: " + e.getMessage(), e);
        }
        return 0;
    }
}
