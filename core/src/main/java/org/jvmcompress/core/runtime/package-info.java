/**
 * The ND4J backend ({@link org.jvmcompress.core.runtime.Backend}) and the contract of engines that run and train
 * DL4J networks outside DL4J ({@link org.jvmcompress.core.runtime.Engine}, found through ServiceLoader by
 * {@link org.jvmcompress.core.runtime.Engines}, chosen per network by what each says it can run). No engine lives
 * here (the oneDNN one is the {@code engine} module); without one, DL4J runs everything. Must not depend on
 * {@code core.model}, {@code core.task} or anything above.
 */
package org.jvmcompress.core.runtime;
