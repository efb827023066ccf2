package io.liftshift.constructs.launch.handler;

import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Stack;

/**
 * The status of the stack a launch event comes from, read with DescribeStacks: a launch starts only
 * while its stack is being created or updated, never while it rolls back.
 */
@FunctionalInterface
public interface StackStatuses {
  /** The statuses in which a launch may start: CloudFormation moving the stack forward. */
  List<String> FORWARD = List.of("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS");

  /**
   * The stack's status now, such as {@code UPDATE_IN_PROGRESS} or {@code
   * UPDATE_ROLLBACK_IN_PROGRESS}.
   *
   * @param stackId the event's {@code StackId} (the stack's ARN)
   */
  String of(String stackId);

  /** The Lambda's way: the region's CloudFormation API, with the function's own credentials. */
  static StackStatuses fromCloudFormation() {
    return fromCloudFormation(
        () -> CloudFormationClient.builder().httpClient(ApacheHttpClient.create()).build());
  }

  /** Reads each status with a new client from {@code clients}, closed after the call. */
  static StackStatuses fromCloudFormation(Supplier<CloudFormationClient> clients) {
    return stackId -> {
      try (CloudFormationClient cfn = clients.get()) {
        List<Stack> stacks = cfn.describeStacks(b -> b.stackName(stackId)).stacks();
        if (stacks.isEmpty()) {
          throw new IllegalStateException("DescribeStacks knows no stack " + stackId);
        }
        return stacks.get(0).stackStatusAsString();
      }
    };
  }
}
