/** Distillation losses on logits, each registered by a short name and combinable by weighted sums. */
package org.jvmcompress.distill.loss;
