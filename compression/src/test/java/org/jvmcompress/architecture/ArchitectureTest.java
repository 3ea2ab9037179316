package org.jvmcompress.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The structure the README's module graph shows, checked on the compiled classes of every module (Maven itself
 * refuses a cycle between modules): no cycle between packages, the stages ({@code distill}, {@code quantize},
 * {@code nas}, {@code reports}) never import one another, and each layer imports only the layers below it
 * (core, then engine, then the stages, then spark, then pipeline, bench and the command line).
 */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        // main classes only: test classes come from test-classes folders and from the core test-jar
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("org.jvmcompress");
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.jvmcompress.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void stagesDoNotImportEachOther() {
        String[] stages = {"distill", "quantize", "nas", "reports"};
        for (String s : stages) {
            for (String other : stages) {
                if (!s.equals(other)) {
                    noClasses().that().resideInAPackage("org.jvmcompress." + s + "..").should()
                            .dependOnClassesThat().resideInAPackage("org.jvmcompress." + other + "..")
                            .because("stages are siblings over core; what joins two stages is the pipeline's")
                            .check(classes);
                }
            }
        }
    }

    @Test
    void layersPointDown() {
        String[] upper = {"org.jvmcompress.engine..", "org.jvmcompress.distill..", "org.jvmcompress.quantize..",
                "org.jvmcompress.nas..", "org.jvmcompress.reports..", "org.jvmcompress.spark..",
                "org.jvmcompress.pipeline..", "org.jvmcompress.bench..", "org.jvmcompress.cli.."};
        noClasses().that().resideInAPackage("org.jvmcompress.core..").should().dependOnClassesThat()
                .resideInAnyPackage(upper).because("core is the bottom layer").check(classes);
        noClasses().that().resideInAPackage("org.jvmcompress.engine..").should().dependOnClassesThat()
                .resideInAnyPackage(java.util.Arrays.copyOfRange(upper, 1, upper.length))
                .because("the engine knows networks, not stages").check(classes);
        noClasses().that().resideInAnyPackage("org.jvmcompress.distill..", "org.jvmcompress.quantize..",
                        "org.jvmcompress.nas..", "org.jvmcompress.reports..", "org.jvmcompress.spark..")
                .should().dependOnClassesThat().resideInAnyPackage("org.jvmcompress.pipeline..",
                        "org.jvmcompress.bench..", "org.jvmcompress.cli..")
                .because("stages are libraries; orchestration and the command line use them").check(classes);
        noClasses().that().resideInAnyPackage("org.jvmcompress.pipeline..", "org.jvmcompress.bench..")
                .should().dependOnClassesThat().resideInAPackage("org.jvmcompress.cli..")
                .because("the command line is the thin top: parsing and printing").check(classes);
    }
}
