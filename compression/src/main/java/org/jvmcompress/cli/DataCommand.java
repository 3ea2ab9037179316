package org.jvmcompress.cli;

import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.FashionMnist;
import org.jvmcompress.core.data.Imdb;
import org.jvmcompress.core.data.ImageData;
import org.jvmcompress.core.data.TextData;
import org.jvmcompress.core.data.WordNetNouns;
import org.jvmcompress.core.model.onnx.PretrainedEncoder;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.task.Tasks;

/** {@code data fetch|info}: get the reference data sets into the cache, or say what is there. */
final class DataCommand implements Command {
    @Override
    public String name() {
        return "data";
    }

    @Override
    public String summary() {
        return "data fetch|info [--task " + String.join("|", Tasks.names()) + "]: fetch and verify the reference data sets"
                + " (and, without --task, the pretrained encoders), or describe them";
    }

    @Override
    public Options options() {
        return new Options().addOption(Option.builder("t").longOpt("task").hasArg().argName("TASK")
                .desc("only this task's data set: " + String.join(", ", Tasks.names()) + " (default: all)").build());
    }

    @Override
    public int run(CommandLine cl) {
        List<String> args = cl.getArgList();
        if (args.size() != 1 || !List.of("fetch", "info").contains(args.get(0))) {
            throw new CompressionException("data needs one action, fetch or info; got " + args);
        }
        DataHome home = Cli.dataHome(cl);
        String task = cl.getOptionValue("task");
        List<String> tasks = task == null ? Tasks.names() : List.of(Tasks.get(task).name());
        boolean fetch = args.get(0).equals("fetch");
        System.out.println("data folder: " + home.root());
        for (String t : tasks) {
            if (t.equals("cv")) {
                FashionMnist fm = new FashionMnist(home);
                if (fetch || fm.isCached()) {
                    ImageData tr = fm.train();
                    ImageData te = fm.test();
                    System.out.printf("cv: Fashion-MNIST in %s, verified; %d train + %d test images %dx%dx%d, %d classes%n",
                            fm.dir(), tr.size(), te.size(), tr.channels(), tr.height(), tr.width(), tr.numClasses());
                } else {
                    System.out.println("cv: Fashion-MNIST not cached (run: compression data fetch --task cv)");
                }
            } else if (t.equals("nlp")) {
                Imdb imdb = new Imdb(home);
                if (fetch || imdb.isCached()) {
                    TextData d = imdb.load();
                    int pos = 0;
                    for (int y : d.labels()) {
                        pos += y;
                    }
                    System.out.printf("nlp: IMDB reviews in %s, verified; %d reviews (%d positive, %d negative)%n",
                            imdb.file(), d.size(), pos, d.size() - pos);
                } else {
                    System.out.println("nlp: IMDB not cached (run: compression data fetch --task nlp)");
                }
            } else if (t.equals("wordnet")) {
                WordNetNouns wn = new WordNetNouns(home);
                if (fetch || wn.isCached()) {
                    TextData d = wn.load();
                    System.out.printf("wordnet: WordNet 3.0 noun definitions in %s, verified; %d definitions, %d"
                            + " classes%n", wn.file(), d.size(), d.numClasses());
                } else {
                    System.out.println("wordnet: WordNet nouns not cached (run: compression data fetch --task wordnet)");
                }
            }
        }
        if (task == null) {
            for (PretrainedEncoder e : PretrainedEncoder.ALL) {
                if (fetch || e.isCached(home)) {
                    e.ensure(home);
                    System.out.printf("%s: %s from %s in %s, verified%n", e.name(), e.description(), e.coordinates(),
                            e.dir(home));
                } else {
                    System.out.printf("%s: pretrained encoder not cached (run: compression data fetch)%n", e.name());
                }
            }
        }
        if (!fetch) {
            System.out.println("runtime: " + Backend.describe());
        }
        return 0;
    }
}
