package io.liftshift.test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the flow one-way (source disk → agent → 1500 → replicator → staging volume): the wire
 * contract stays free of runtimes, and no daemon reaches into another.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.liftshift");
  }

  @Test
  void protocolImportsNeitherVertxNorNettyNorTheAwsSdk() {
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.vertx..", "io.netty..", "software.amazon..")
        .check(classes);
  }

  @Test
  void protocolKnowsNoEndOfTheFlow() {
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.liftshift.agent..",
            "io.liftshift.replicator..",
            "io.liftshift.cloud..",
            "io.liftshift.cli..")
        .check(classes);
  }

  @Test
  void theAgentDoesNotImportTheReplicatorOrTheCloud() {
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.agent..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.liftshift.replicator..", "io.liftshift.cloud..", "io.liftshift.cli..")
        .check(classes);
  }

  @Test
  void changeTrackingSitsBeforeTheLinkAndKnowsNothingOfTheWire() {
    // source disk -> tracker -> change state; the sender (agent package) takes it from there.
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.agent.tracking..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.liftshift.protocol..", "io.liftshift.trust..")
        .orShould()
        .dependOnClassesThat()
        .resideInAPackage("io.liftshift.agent")
        .check(classes);
  }

  @Test
  void theReplicatorDoesNotImportTheAgent() {
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.replicator..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.liftshift.agent..", "io.liftshift.cli..")
        .check(classes);
  }

  @Test
  void theCloudPortKnowsNoDaemon() {
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.cloud..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.liftshift.agent..",
            "io.liftshift.replicator..",
            "io.liftshift.protocol..",
            "io.liftshift.cli..")
        .check(classes);
  }

  @Test
  void trustKnowsOnlyTheJdkAndBouncyCastle() {
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.trust..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.liftshift.agent..",
            "io.liftshift.replicator..",
            "io.liftshift.cloud..",
            "io.liftshift.protocol..",
            "io.vertx..",
            "software.amazon..")
        .check(classes);
  }

  @Test
  void theControlPlaneKnowsNoDaemonAndNoDaemonKnowsIt() {
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.controlplane..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.liftshift.agent..",
            "io.liftshift.replicator..",
            "io.liftshift.converter..",
            "io.liftshift.cli..")
        .check(classes);
    noClasses()
        .that()
        .resideInAnyPackage("io.liftshift.agent..", "io.liftshift.replicator..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.liftshift.controlplane..")
        .check(classes);
  }

  @Test
  void onlyTheControlPlaneStoreAdapterSpeaksSql() {
    // Services work through the store port (ControlPlaneStore), so a second adapter (PostgreSQL)
    // replaces the SQLite one without touching them.
    noClasses()
        .that()
        .resideOutsideOfPackage("io.liftshift.controlplane.store..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("java.sql..")
        .check(classes);
  }

  @Test
  void theConverterKnowsNoOtherDaemonAndOnlyTheCliStartsIt() {
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.converter..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.liftshift.agent..",
            "io.liftshift.replicator..",
            "io.liftshift.controlplane..",
            "io.liftshift.protocol..",
            "io.liftshift.cli..")
        .check(classes);
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.liftshift.agent..", "io.liftshift.replicator..", "io.liftshift.controlplane..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.liftshift.converter..")
        .check(classes);
  }

  @Test
  void conversionPlansArePureData() {
    // The plan is made from the guest's files alone and applied elsewhere: it runs no process.
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.converter.plan..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.liftshift.converter.apply..", "io.liftshift.converter.inspect..")
        .check(classes);
  }

  @Test
  void onlyTheCloudPortAndTheLaunchHandlerTalkToAws() {
    // One AWS adapter per thing the cloud does: volumes, snapshots, images, instances and
    // conversion servers are ports in io.liftshift.cloud, whose AWS adapters alone use the SDK.
    // The construct library's launch handler runs in a Lambda and calls MGN on its own.
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "io.liftshift.cloud..",
            "io.liftshift.constructs.launch.handler..",
            "io.liftshift.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("software.amazon.awssdk..")
        .check(classes);
    // The command line speaks MGN's API to the control plane with the MGN SDK, as the AWS CLI
    // would; any other AWS service (EC2 above all) it reaches only through the cloud port.
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.cli..")
        .should()
        .dependOnClassesThat(
            resideInAPackage("software.amazon.awssdk.services..")
                .and(resideOutsideOfPackage("software.amazon.awssdk.services.mgn..")))
        .check(classes);
  }

  @Test
  void thePrivateApiContractKnowsOnlyTheJdkAndJackson() {
    // As protocol/ is for 1500: every caller of 443 can use it without dragging in a runtime.
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.contract..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.vertx..",
            "io.netty..",
            "software.amazon..",
            "io.liftshift.agent..",
            "io.liftshift.replicator..",
            "io.liftshift.converter..",
            "io.liftshift.controlplane..",
            "io.liftshift.cloud..",
            "io.liftshift.trust..",
            "io.liftshift.protocol..",
            "io.liftshift.cli..")
        .check(classes);
  }

  @Test
  void theAgentCarriesNoJsonLibrary() {
    // The agent bundle holds no Jackson (its runtime would need java.desktop and java.sql): the
    // agent takes the contract's paths and client, and writes its few bodies by hand.
    noClasses()
        .that()
        .resideInAPackage("io.liftshift.agent..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("com.fasterxml..")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("io.liftshift.contract.ContractJson")
        .check(classes);
  }
}
