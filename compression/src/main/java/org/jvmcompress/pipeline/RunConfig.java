package org.jvmcompress.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.Tasks;

/**
 * What {@code compression run} does, as JSON (schema 1). A stage with a {@code model} path uses that model; one
 * without trains the named architecture on the task's data for {@code epochs} epochs (on the first
 * {@code trainLimit} training examples when set). The student stage learns with {@code method}: a distillation
 * loss from the teacher ("kd", "kd-reverse", ...; the task's tuned temperature and weight) or "ce" (from scratch,
 * the default when absent). The optional {@code quantize} stage makes an int8 (or other mode) file of the student.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunConfig(int schema, String task, long seed, int trainLimit, Stage teacher, Stage student,
                        Quantize quantize) {
    /** One model of the run: trained here, or loaded from a path. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Stage(String architecture, int epochs, String model, String method) {
        public Stage(String architecture, int epochs, String model) {
            this(architecture, epochs, model, null);
        }
    }

    /** Post-training quantisation of the student. */
    public record Quantize(String mode) {
        public Quantize {
            if (!org.jvmcompress.quantize.Quantizer.MODES.contains(mode)) {
                throw new CompressionException("quantize.mode must be one of "
                        + String.join(", ", org.jvmcompress.quantize.Quantizer.MODES) + ", got " + mode);
            }
        }
    }

    public static final int SCHEMA = 1;

    /** Where the suite's committed reference models live, relative to its home folder. */
    public static final String REFERENCE_CV_TEACHER = "models/reference/cv-teacher.zip";

    /**
     * The built-in default: on Fashion-MNIST, the reference CV teacher (the committed one under the suite's home,
     * {@code $COMPRESSION_HOME}, when it is there; else a short training of the same architecture on 12,000 images),
     * the small student distilled from it for 5 epochs, and the student quantised to int8.
     */
    public static RunConfig defaults() {
        String home = System.getenv("COMPRESSION_HOME");
        java.nio.file.Path ref = java.nio.file.Path.of(home == null ? "." : home).resolve(REFERENCE_CV_TEACHER);
        Stage teacher = java.nio.file.Files.isRegularFile(ref)
                ? new Stage("cv-teacher", 0, ref.toAbsolutePath().normalize().toString())
                : new Stage("cv-teacher", 2, null);
        return new RunConfig(SCHEMA, "cv", 42, teacher.model() != null ? 0 : 12_000, teacher,
                new Stage("cv-student", 5, null, "kd"), new Quantize("int8-per-channel"));
    }

    public RunConfig {
        if (schema != SCHEMA) {
            throw new CompressionException("run config schema must be " + SCHEMA + ", got " + schema);
        }
        Tasks.get(task);
        if (trainLimit < 0) {
            throw new CompressionException("trainLimit must be >= 0 (0 = all), got " + trainLimit);
        }
        if (teacher == null || student == null) {
            throw new CompressionException("run config needs a teacher and a student stage");
        }
        if (student.method() != null && !student.method().equals("ce")) {
            org.jvmcompress.distill.loss.LogitLosses.create(student.method(), 1, 0.5);
        }
        for (Stage s : new Stage[] {teacher, student}) {
            if (s.model() == null && (s.architecture() == null || s.epochs() < 1)) {
                throw new CompressionException("a stage without a model path needs an architecture and epochs >= 1: " + s);
            }
        }
    }
}
