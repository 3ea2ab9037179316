/**
 * Layers DL4J does not have, written as SameDiff layers so that they train, save and load like its own: the
 * transformer encoder block.
 */
package org.jvmcompress.core.layers;
