package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.Subnet;
import software.amazon.awscdk.services.ec2.SubnetAttributes;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;

/** An installation in an existing VPC and subnets, referred to by their ids (fromAttributes). */
class ExistingVpcTest {
  static final List<String> SUBNETS =
      List.of("subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb");

  @TempDir static Path out;
  static Template template;

  @BeforeAll
  static void synth() {
    Stack stack = new Stack(Fixture.newApp(out), "Existing");
    var vpc =
        Vpc.fromVpcAttributes(
            stack,
            "Vpc",
            VpcAttributes.builder()
                .vpcId("vpc-0123456789abcdef0")
                .availabilityZones(List.of("eu-west-1a", "eu-west-1b"))
                .privateSubnetIds(SUBNETS)
                .build());
    List<ISubnet> subnets =
        List.of(
            Subnet.fromSubnetAttributes(
                stack,
                "A",
                SubnetAttributes.builder()
                    .subnetId(SUBNETS.get(0))
                    .availabilityZone("eu-west-1a")
                    .build()),
            Subnet.fromSubnetAttributes(
                stack,
                "B",
                SubnetAttributes.builder()
                    .subnetId(SUBNETS.get(1))
                    .availabilityZone("eu-west-1b")
                    .build()));
    StagingArea staging =
        new StagingArea(
            stack,
            "Staging",
            StagingAreaProps.builder()
                .vpc(vpc)
                .stagingSubnets(SubnetSelection.builder().subnets(subnets).build())
                .sourceCidrs(List.of(Fixture.SOURCE_A))
                .build());
    SoftwareBucket bucket = new SoftwareBucket(stack, "Software", null);
    var image = DaemonImage.fromAmiId("ami-0123456789abcdef0");
    ControlPlane cp =
        new ControlPlane(
            stack,
            "ControlPlane",
            ControlPlaneProps.builder()
                .staging(staging)
                .softwareBucket(bucket)
                .machineImage(image)
                .instanceType(new InstanceType("m6i.large"))
                .conversionServer(
                    new ConversionServer(
                        stack,
                        "Conversion",
                        ConversionServerProps.builder()
                            .staging(staging)
                            .machineImage(image)
                            .build()))
                .build());
    new ReplicationServerFleet(
        stack,
        "Fleet",
        ReplicationServerFleetProps.builder()
            .staging(staging)
            .controlPlane(cp)
            .softwareBucket(bucket)
            .machineImage(image)
            .build());
    template = Template.fromStack(stack);
  }

  @Test
  void noVpcOrSubnetIsCreated() {
    template.resourceCountIs("AWS::EC2::VPC", 0);
    template.resourceCountIs("AWS::EC2::Subnet", 0);
  }

  @Test
  void theControlPlaneNodesRunInTheGivenSubnets() {
    template.hasResourceProperties(
        "AWS::AutoScaling::AutoScalingGroup",
        Match.objectLike(Map.of("MinSize", "2", "VPCZoneIdentifier", SUBNETS)));
  }

  @Test
  void theBalancerIsInTheGivenSubnets() {
    template.hasResourceProperties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer", Match.objectLike(Map.of("Subnets", SUBNETS)));
  }

  @Test
  void theStoreIsInTheGivenSubnets() {
    template.hasResourceProperties(
        "AWS::RDS::DBSubnetGroup", Match.objectLike(Map.of("SubnetIds", SUBNETS)));
  }

  @Test
  void theSecurityGroupsAreInTheGivenVpc() {
    assertThat(template.findResources("AWS::EC2::SecurityGroup").values())
        .isNotEmpty()
        .allSatisfy(g -> assertThat(g.toString()).contains("VpcId=vpc-0123456789abcdef0"));
  }

  @Test
  void anInstanceTypeObjectIsTakenAsIs() {
    template.hasResourceProperties(
        "AWS::EC2::LaunchTemplate",
        Match.objectLike(
            Map.of("LaunchTemplateData", Match.objectLike(Map.of("InstanceType", "m6i.large")))));
  }
}
