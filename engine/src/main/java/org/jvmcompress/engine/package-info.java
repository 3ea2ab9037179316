/**
 * The oneDNN engine ({@link org.jvmcompress.engine.OneDnnEngine}, registered for
 * {@link org.jvmcompress.core.runtime.Engines}): float inference on oneDNN primitives, training steps on them (or in
 * Java for embedding bags), and the layers swapped in before training. CPU backend only. Depends on {@code core}
 * alone; must not depend on any stage.
 */
package org.jvmcompress.engine;
