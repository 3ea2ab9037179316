/**
 * Architecture search: search spaces, strategies (Arbiter's and the suite's), proxy training, resumable sweeps and
 * their fronts over accuracy, size and measured latency. Depends on {@code core}; must not depend on another stage.
 */
package org.jvmcompress.nas;
