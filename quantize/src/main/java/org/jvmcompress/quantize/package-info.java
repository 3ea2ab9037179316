/**
 * Quantisation: int8/int4/fp16 weights and activations, calibration, quantisation-aware training, the {@code .jcq}
 * file (a {@link org.jvmcompress.core.model.ModelFormat} registered through ServiceLoader) and the integer runtime.
 * Depends on {@code core} and {@code engine}; must not depend on another stage (a quantised student is the
 * pipeline's).
 */
package org.jvmcompress.quantize;
