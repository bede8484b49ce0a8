package kleinhirn;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers (docs/architecture.md), checked on the compiled product classes, tests excluded:
 * <pre>
 *   core     pure: machines, codecs, ports. Uses nothing of ours, no native code, no I/O.
 *   linux    FFM and /proc: implements core's ports. Uses only core.
 *   runtime  the loops, sockets, HTTP, log writers. Uses only core (reaches the OS through ports).
 *   app      composition roots: the only place that sees linux and runtime together.
 * </pre>
 * The rules name package trees, not classes, so whatever a package is called inside a layer
 * (kleinhirn.core.harpoon, kleinhirn.runtime.harpoon, kleinhirn.linux.cgroup, ...) the same
 * rules hold for it; a package outside the four trees fails {@link #everyClassLivesInALayer}.
 */
class ArchitectureTest {
    private static final String CORE = "kleinhirn.core..", LINUX = "kleinhirn.linux..",
            RUNTIME = "kleinhirn.runtime..", APP = "kleinhirn.app..", OURS = "kleinhirn..";
    /**
     * The pure harpoon machine still lives in kleinhirn.harpoon (issue 10 moves it under core):
     * until then it is held to core's rules. The entry is inert once that package is gone.
     */
    private static final String CORE_PENDING_MOVE = "kleinhirn.harpoon..";
    private static final String[] CORE_TREES = {CORE, CORE_PENDING_MOVE};
    /** The native layer as the JDK spells it: FFM and the JVM-internal APIs. */
    private static final String[] NATIVE = {"java.lang.foreign..", "sun..", "jdk.internal.."};

    private static final JavaClasses PRODUCT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("kleinhirn");

    private static String[] plus(String[] a, String... b) {
        return Stream.concat(Arrays.stream(a), Arrays.stream(b)).toArray(String[]::new);
    }

    @Test
    void everyClassLivesInALayer() {
        classes().that().resideInAPackage(OURS)
                .should().resideInAnyPackage(plus(CORE_TREES, LINUX, RUNTIME, APP))
                .because("a package outside core, linux, runtime and app would be a fifth layer no rule covers")
                .check(PRODUCT);
    }

    @Test
    void coreUsesNothingOfOursButCore() {
        noClasses().that().resideInAnyPackage(CORE_TREES)
                .should().dependOnClassesThat(resideInAPackage(OURS).and(not(resideInAnyPackage(CORE_TREES))))
                .because("core is pure: linux implements its ports, runtime drives them, app wires them")
                .check(PRODUCT);
    }

    @Test
    void coreNeverReachesTheNativeLayer() {
        noClasses().that().resideInAnyPackage(CORE_TREES)
                .should().dependOnClassesThat().resideInAnyPackage(NATIVE)
                .because("native calls belong in kleinhirn.linux, behind a port")
                .check(PRODUCT);
    }

    @Test
    void coreDoesNoIoAndReadsNoClock() {
        noClasses().that().resideInAnyPackage(CORE_TREES)
                .should().dependOnClassesThat().haveFullyQualifiedName("java.nio.file.Files")
                .check(PRODUCT);
        noClasses().that().resideInAnyPackage(CORE_TREES)
                .should().dependOnClassesThat().haveFullyQualifiedName("java.lang.ProcessBuilder")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileInputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileOutputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.RandomAccessFile")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.Socket")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.ServerSocket")
                .orShould().callMethod(System.class, "getenv")
                .orShould().callMethod(System.class, "getenv", String.class)
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(java.time.Instant.class, "now")
                .orShould().callMethod(Thread.class, "sleep", long.class)
                .because("machines get time and the world as arguments; the edge does I/O")
                .check(PRODUCT);
    }

    @Test
    void linuxUsesOnlyCore() {
        noClasses().that().resideInAPackage(LINUX)
                .should().dependOnClassesThat(resideInAPackage(OURS).and(not(resideInAnyPackage(plus(CORE_TREES, LINUX)))))
                .because("the native layer implements core's ports and knows nothing above it")
                .check(PRODUCT);
    }

    @Test
    void runtimeUsesOnlyCore() {
        noClasses().that().resideInAPackage(RUNTIME)
                .should().dependOnClassesThat(resideInAPackage(OURS).and(not(resideInAnyPackage(plus(CORE_TREES, RUNTIME)))))
                .orShould().dependOnClassesThat().resideInAnyPackage(NATIVE)
                .because("the loops reach the operating system only through core's ports, so fakes can stand in")
                .check(PRODUCT);
    }

    @Test
    void onlyTheCompositionRootsSeeLinuxAndRuntimeTogether() {
        classes().that().resideOutsideOfPackage(APP)
                .should(notDependOnBoth(LINUX, RUNTIME))
                .check(PRODUCT);
        noClasses().that().resideOutsideOfPackage(APP)
                .should().dependOnClassesThat().resideInAPackage(APP)
                .because("nothing is built on a composition root")
                .check(PRODUCT);
    }

    private static ArchCondition<JavaClass> notDependOnBoth(String a, String b) {
        return new ArchCondition<>("not depend on both " + a + " and " + b) {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                boolean onA = c.getDirectDependenciesFromSelf().stream().anyMatch(d -> resideInAPackage(a).test(d.getTargetClass()));
                boolean onB = c.getDirectDependenciesFromSelf().stream().anyMatch(d -> resideInAPackage(b).test(d.getTargetClass()));
                if (onA && onB) events.add(SimpleConditionEvent.violated(c, c.getName() + " depends on both " + a + " and " + b));
            }
        };
    }
}
