/**
 * What every stage shares, and only that: data, tasks, models and their formats, training loops, measurement, and
 * the contract of engines. Sub-packages, bottom up: {@code util}, {@code data}, {@code runtime}, {@code model} (and
 * its formats), {@code task}, {@code eval}, {@code train}. Must not depend on any other module of the suite
 * (checked by {@code ArchitectureTest}).
 */
package org.jvmcompress.core;
