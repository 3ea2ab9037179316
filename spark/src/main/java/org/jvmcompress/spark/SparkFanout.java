package org.jvmcompress.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.nas.Candidate;
import org.jvmcompress.nas.Sweep;
import scala.Tuple2;

/**
 * A sweep's rounds on Apache Spark: each round's candidates become one Spark task each (a partition of one
 * (index, spec) pair); a task builds the sweep's {@link Sweep.Recipe} once per executor process, trains and scores
 * its candidate there and returns the candidate's record; the driver (this process) proposes candidates and appends
 * the records to the state file, so resuming works exactly as on one machine. {@code local[N]} runs N tasks in this
 * process (the tests); {@code spark://host:7077} runs on a standalone cluster, whose executors need the suite's jar
 * ({@code spark.jars}) and the recipe's files (teacher, data) at the same paths. YARN is refused: spark-yarn is not
 * on the suite's class path.
 */
public final class SparkFanout implements Sweep.Fanout {
    /** The JVM options an executor needs (the same as the launcher's). */
    public static final String EXECUTOR_JAVA_OPTIONS = "-Dorg.eclipse.deeplearning4j.helpers.disable=false"
            + " --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED"
            + " --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED"
            + " --add-opens java.base/java.lang.invoke=ALL-UNNAMED";

    private final JavaSparkContext jsc;
    private final String master;

    private SparkFanout(JavaSparkContext jsc, String master) {
        this.jsc = jsc;
        this.master = master;
    }

    /**
     * Connects to a Spark master; {@code jars} (may be empty) are shipped to the executors. The web UI stays off and
     * task retries are off (a failing candidate is recorded as failed by the evaluator, not retried).
     */
    public static SparkFanout connect(String master, String appName, List<String> jars) {
        if (master == null || master.isBlank()) {
            throw new CompressionException("--spark-master needs a URL (local[2], spark://host:7077)");
        }
        if (master.startsWith("yarn") || master.startsWith("k8s") || master.startsWith("mesos")) {
            throw new CompressionException("--spark-master " + master + " is not supported: the suite carries Spark's"
                    + " standalone and local modes only (no spark-yarn/kubernetes on its class path); use"
                    + " spark://host:7077 or local[N]");
        }
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.task.maxFailures", "1");
        if (master.startsWith("local")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        if (!conf.contains("spark.executor.extraJavaOptions")) {
            // Executors on Java 17 need what bin/compression gives this JVM: the opened packages and the oneDNN switch.
            conf.set("spark.executor.extraJavaOptions", EXECUTOR_JAVA_OPTIONS);
        }
        for (String jar : jars) {
            if (!jar.contains("://") && !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(jar))) {
                throw new CompressionException("--spark-jars: " + jar + " is not a file");
            }
        }
        if (!jars.isEmpty()) {
            conf.setJars(jars.toArray(new String[0]));
        }
        try {
            return new SparkFanout(new JavaSparkContext(conf), master);
        } catch (RuntimeException e) {
            throw new CompressionException("cannot start Spark with master " + master + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void evaluate(List<Integer> indices, List<String> specs, Sweep.Evaluator evaluator,
                         java.util.function.Consumer<Candidate> done) {
        List<Tuple2<Integer, String>> tasks = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            tasks.add(new Tuple2<>(indices.get(i), specs.get(i)));
        }
        // One partition per candidate; collect() keeps the partitions' order, so records come back by index. A
        // task that throws fails the job (no retries): the round's records are then lost and run again on resume.
        jsc.parallelize(tasks, tasks.size()).map(t -> evaluator.evaluate(t._1(), t._2())).collect().forEach(done);
    }

    @Override
    public String describe() {
        return "Spark " + master + " (default parallelism " + jsc.defaultParallelism() + ")";
    }

    @Override
    public void close() {
        jsc.close();
    }
}
