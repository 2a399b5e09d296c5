package dev.warden.cli.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module map of docs/architecture.md, checked over the classes of every module (warden-cli sees
 * them all): the kernel imports no Netty, JDBC or HTTP; the server is protocol-neutral; each front
 * door depends on the kernel, the server and its own protocol, never on another door; only the
 * command line wires everything together.
 */
class ArchitectureTest {
  private static JavaClasses warden;

  @BeforeAll
  static void importClasses() {
    warden =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.warden");
  }

  /**
   * The kernel is plain Java (and Jackson, to read the policy): no network library, no JDBC, no
   * HTTP, no token library, no other module of Warden.
   */
  static final ArchRule CORE_IS_NEUTRAL =
      noClasses()
          .that()
          .resideInAPackage("dev.warden.core..")
          .should()
          .dependOnClassesThat(
              resideInAnyPackage(
                      "io.netty..",
                      "java.sql..",
                      "javax.sql..",
                      "java.net.http..",
                      "com.sun.net.httpserver..",
                      "org.postgresql..",
                      "com.nimbusds..")
                  .or(
                      resideInAPackage("dev.warden..")
                          .and(not(resideInAPackage("dev.warden.core..")))))
          .because("every door admits through the same kernel, which carries no protocol");

  @Test
  void coreImportsNoNettyJdbcOrHttp() {
    CORE_IS_NEUTRAL.check(warden);
  }

  @Test
  void theServerIsProtocolNeutral() {
    noClasses()
        .that()
        .resideInAPackage("dev.warden.gateway..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.warden.frontend..",
            "dev.warden.protocol..",
            "dev.warden.sql..",
            "dev.warden.oidc..",
            "dev.warden.admin..",
            "dev.warden.store..",
            "dev.warden.cli..")
        .because("the server knows front doors only as FrontDoor; the command line wires them")
        .check(warden);
  }

  @Test
  void modulesDependOnlyDownward() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Core")
        .definedBy("dev.warden.core..")
        .layer("Protocol")
        .definedBy("dev.warden.protocol..")
        .layer("Sql")
        .definedBy("dev.warden.sql..")
        .layer("Oidc")
        .definedBy("dev.warden.oidc..")
        .layer("Store")
        .definedBy("dev.warden.store..")
        .layer("Admin")
        .definedBy("dev.warden.admin..")
        .layer("Server")
        .definedBy("dev.warden.gateway..")
        .layer("FrontDoors")
        .definedBy("dev.warden.frontend..")
        .layer("Cli")
        .definedBy("dev.warden.cli..")
        .whereLayer("Cli")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("FrontDoors")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Server")
        .mayOnlyBeAccessedByLayers("FrontDoors", "Cli")
        .whereLayer("Admin")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Store")
        .mayOnlyBeAccessedByLayers("Admin", "Cli")
        .whereLayer("Oidc")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Sql")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Protocol")
        .mayOnlyBeAccessedByLayers("FrontDoors")
        .whereLayer("Protocol")
        .mayNotAccessAnyLayer()
        .whereLayer("Core")
        .mayNotAccessAnyLayer()
        .check(warden);
  }

  @Test
  void frontDoorsNeverDependOnEachOther() {
    slices()
        .matching("dev.warden.frontend.(*)..")
        .should()
        .notDependOnEachOther()
        .because("a second door built on the first would copy or reach into its logic")
        .check(warden);
  }

  @Test
  void aFrontDoorSpeaksOnlyItsOwnProtocol() {
    ArchRuleDefinition.classes()
        .that()
        .resideInAPackage("dev.warden.frontend..")
        .should(useOnlyTheirOwnProtocol())
        .check(warden);
  }

  /** dev.warden.frontend.X may use dev.warden.protocol.X, and no other protocol. */
  private static ArchCondition<JavaClass> useOnlyTheirOwnProtocol() {
    return new ArchCondition<>("use only the protocol module of their own name") {
      @Override
      public void check(JavaClass door, ConditionEvents events) {
        String own = door.getPackageName().split("\\.")[3];
        for (Dependency d : door.getDirectDependenciesFromSelf()) {
          String target = d.getTargetClass().getPackageName();
          if (target.startsWith("dev.warden.protocol.")
              && !target.startsWith("dev.warden.protocol." + own)) {
            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
          }
        }
      }
    };
  }

  /** The rule above can fail: a class of the kernel that imports Netty is reported. */
  @Test
  void theKernelRuleCatchesAViolation() {
    JavaClasses fixture =
        new ClassFileImporter().importClasses(dev.warden.core.archfixture.UsesNetty.class);
    assertThat(CORE_IS_NEUTRAL.evaluate(fixture).getFailureReport().getDetails())
        .anySatisfy(line -> assertThat(line).contains("io.netty.buffer.ByteBuf"));
  }
}
