/**
 * The ONNX format: imported through ND4J's SameDiff importer, and lowered to a DL4J network where its ops are
 * convolutional and dense ones ({@link org.jvmcompress.core.model.onnx.OnnxLowering}), so the engines and the
 * quantiser take it. Registered through ServiceLoader; depends on {@code core.model} and below only.
 */
package org.jvmcompress.core.model.onnx;
