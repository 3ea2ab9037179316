/**
 * Reports of runs: JSON, Markdown, HTML with charts and CSV, read from the records the stages write. Depends on
 * {@code core}; must not depend on any stage.
 */
package org.jvmcompress.reports;
