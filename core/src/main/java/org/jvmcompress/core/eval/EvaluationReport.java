package org.jvmcompress.core.eval;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Every figure of an evaluation, as data; renderers turn it into text, JSON or tables. {@code data} says which data
 * the figures were measured on and {@code dataNotes} what the user was told about it (new to the model, resized,
 * duplicates across train and test).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvaluationReport(String model, String format, String task, String split, ClassificationMetrics metrics,
                               long params, long bytes, Measure.Speed speed, String comparedWith, Double agreement,
                               String backend, org.jvmcompress.core.data.DataSource data, java.util.List<String> dataNotes) {
    public EvaluationReport(String model, String format, String task, String split, ClassificationMetrics metrics,
                            long params, long bytes, Measure.Speed speed, String comparedWith, Double agreement,
                            String backend) {
        this(model, format, task, split, metrics, params, bytes, speed, comparedWith, agreement, backend, null, null);
    }
}
