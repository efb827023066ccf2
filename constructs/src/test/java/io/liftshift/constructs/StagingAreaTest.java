package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

class StagingAreaTest {
  @TempDir static Path out;
  static Template template;

  @BeforeAll
  static void synth() {
    template = new Fixture(out).template();
  }

  /** Every ingress rule of the template: inline in groups and standalone. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> ingressRules() {
    List<Map<String, Object>> rules = new ArrayList<>();
    template
        .findResources("AWS::EC2::SecurityGroup")
        .values()
        .forEach(
            r -> {
              Map<String, Object> p = (Map<String, Object>) r.get("Properties");
              Object inline = p.get("SecurityGroupIngress");
              if (inline instanceof List<?> l) {
                l.forEach(x -> rules.add((Map<String, Object>) x));
              }
            });
    template
        .findResources("AWS::EC2::SecurityGroupIngress")
        .values()
        .forEach(r -> rules.add((Map<String, Object>) r.get("Properties")));
    return rules;
  }

  @Test
  void port1500IsOpenOnlyToTheNamedSourceCidrs() {
    List<Object> sources = new ArrayList<>();
    for (Map<String, Object> rule : ingressRules()) {
      if (Integer.valueOf(1500).equals(rule.get("FromPort"))
          || Integer.valueOf(1500).equals(rule.get("ToPort"))) {
        assertThat(rule).containsEntry("FromPort", 1500).containsEntry("ToPort", 1500);
        assertThat(rule).doesNotContainKeys("SourceSecurityGroupId", "CidrIpv6");
        sources.add(rule.get("CidrIp"));
      }
    }
    assertThat(sources).containsExactlyInAnyOrder(Fixture.SOURCE_A, Fixture.SOURCE_B);
  }

  @Test
  void noIngressFromAnywhere() {
    assertThat(ingressRules())
        .isNotEmpty()
        .allSatisfy(
            rule -> {
              assertThat(rule.get("CidrIp")).isNotEqualTo("0.0.0.0/0");
              assertThat(rule.get("CidrIpv6")).isNotEqualTo("::/0");
              assertThat(rule.get("IpProtocol")).isNotEqualTo("-1");
            });
  }

  @Test
  void controlPlaneAcceptsOnly443() {
    assertThat(ingressRules())
        .filteredOn(r -> !Integer.valueOf(1500).equals(r.get("FromPort")))
        // The store's own group admits PostgreSQL from the control plane's only; that rule has a
        // test of its own (ControlPlaneHighAvailabilityTest).
        .filteredOn(r -> !String.valueOf(r.get("GroupId")).contains("DatabaseGroup"))
        .allSatisfy(r -> assertThat(r).containsEntry("FromPort", 443).containsEntry("ToPort", 443));
  }

  @Test
  void noSubnetOrServerGetsAPublicIpWithPrivateRouting() {
    template.allResourcesProperties(
        "AWS::EC2::Subnet",
        software.amazon.awscdk.assertions.Match.objectLike(Map.of("MapPublicIpOnLaunch", false)));
    assertThat(template.toJSON().toString()).doesNotContain("AssociatePublicIpAddress=true");
  }

  @Test
  void withVpcEndpointsTheLaunchHandlerReachesCloudFormation() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("cfn-endpoint")), "S");
    new StagingArea(stack, "Staging", valid().vpcEndpoints(true).build());
    assertThat(
            Template.fromStack(stack).findResources("AWS::EC2::VPCEndpoint").values().stream()
                .filter(e -> e.toString().contains(".cloudformation"))
                .filter(e -> e.toString().contains("VpcEndpointType=Interface"))
                .count())
        .isEqualTo(1);
  }

  @Test
  @SuppressWarnings("unchecked")
  void withVpcEndpointsEgressGoesOnlyToEndpointsTheControlPlaneAndS3() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("endpoints")), "S");
    new StagingArea(
        stack, "Staging", valid().vpcEndpoints(true).s3PrefixListId("pl-63a5400a").build());
    Template t = Template.fromStack(stack);
    t.resourceCountIs("AWS::EC2::NatGateway", 0);
    t.resourceCountIs("AWS::EC2::VPCEndpoint", 10);
    List<Map<String, Object>> egress = new ArrayList<>();
    t.findResources("AWS::EC2::SecurityGroup")
        .values()
        .forEach(
            r -> {
              Object rules = ((Map<String, Object>) r.get("Properties")).get("SecurityGroupEgress");
              if (rules instanceof List<?> l) {
                l.forEach(x -> egress.add((Map<String, Object>) x));
              }
            });
    t.findResources("AWS::EC2::SecurityGroupEgress")
        .values()
        .forEach(r -> egress.add((Map<String, Object>) r.get("Properties")));
    // CDK's placeholder for a group with no egress at all (the endpoints') allows nothing.
    egress.removeIf(r -> "Disallow all traffic".equals(r.get("Description")));
    assertThat(egress)
        .isNotEmpty()
        .allSatisfy(
            rule -> {
              assertThat(rule).containsEntry("FromPort", 443).containsEntry("ToPort", 443);
              assertThat(rule).doesNotContainKeys("CidrIp", "CidrIpv6");
            });
    assertThat(egress)
        .filteredOn(r -> "pl-63a5400a".equals(r.get("DestinationPrefixListId")))
        .hasSize(4);
  }

  private static StagingAreaProps.Builder valid() {
    return StagingAreaProps.builder().sourceCidrs(List.of(Fixture.SOURCE_A));
  }

  private static void build(StagingAreaProps props) {
    new StagingArea(new Stack(Fixture.newApp(out.resolve("invalid")), "S"), "Staging", props);
  }

  @Test
  void overlappingSourceCidrsAreRefused() {
    assertThatThrownBy(
            () -> build(valid().sourceCidrs(List.of("10.0.0.0/8", "10.20.0.0/16")).build()))
        .hasMessageContaining("10.0.0.0/8 and 10.20.0.0/16 overlap");
  }

  @Test
  void aSourceCidrOverlappingTheVpcIsRefused() {
    assertThatThrownBy(() -> build(valid().sourceCidrs(List.of("10.128.4.0/24")).build()))
        .hasMessageContaining("overlaps the staging VPC's 10.128.0.0/16")
        .hasMessageContaining("choose another vpcCidr");
  }

  @Test
  void aDataPortOtherThan1500IsRefused() {
    assertThatThrownBy(() -> build(valid().dataPort(1501).build()))
        .hasMessageContaining("dataPort must be 1500")
        .hasMessageContaining("got 1501");
  }

  @Test
  void theWholeInternetIsNoSource() {
    assertThatThrownBy(() -> build(valid().sourceCidrs(List.of("0.0.0.0/0")).build()))
        .hasMessageContaining("name the source networks");
  }

  @Test
  void sourcesAreRequired() {
    assertThatThrownBy(() -> build(StagingAreaProps.builder().build()))
        .hasMessageContaining("sourceCidrs or sourcePrefixListIds");
  }
}
