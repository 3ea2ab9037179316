/** Knowledge distillation: losses that take knowledge from a teacher, and the schemes that train students with them. */
package org.jvmcompress.distill;
