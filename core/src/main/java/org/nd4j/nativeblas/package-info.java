/**
 * A compatibility shim under ND4J's old package name (see {@code Nd4jCpu}): DL4J M2.1 looks it up by reflection.
 * Nothing of the suite may depend on it.
 */
package org.nd4j.nativeblas;
