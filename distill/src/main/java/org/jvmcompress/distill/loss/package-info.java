/**
 * Distillation losses on logits and on intermediate results, each registered by a short name and combinable by
 * weighted sums. Depends on {@code core}; must not depend on the schemes of {@code distill}.
 */
package org.jvmcompress.distill.loss;
