package org.jvmcompress.core.eval;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Every figure of an evaluation, as data; renderers turn it into text, JSON or tables. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvaluationReport(String model, String format, String task, String split, ClassificationMetrics metrics,
                               long params, long bytes, Measure.Speed speed, String comparedWith, Double agreement,
                               String backend) {}
