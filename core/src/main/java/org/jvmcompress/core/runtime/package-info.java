/**
 * The ND4J backend ({@link org.jvmcompress.core.runtime.Backend}) and the contract of engines that run and train
 * DL4J networks outside DL4J ({@link org.jvmcompress.core.runtime.Engine}, found by
 * {@link org.jvmcompress.core.runtime.Engines}). No engine lives here: the oneDNN one is the {@code engine}
 * module. Depends on nothing of the suite but {@code core}'s model contracts.
 */
package org.jvmcompress.core.runtime;
