/**
 * Knowledge distillation: the schemes that train students (offline, online, self, several teachers, labelling and
 * expansion), the knowledge they take (responses, features, relations) and the tuned recipes
 * ({@link org.jvmcompress.distill.DistillRecipes}). Depends on {@code core}; must not depend on another stage.
 */
package org.jvmcompress.distill;
