package io.liftshift.controlplane;

/**
 * Tags on a StartCutover request that steer the cutover, as MGN's API has no member for them. Any
 * MGN client can set them ({@code aws mgn start-cutover --tags ...}); they stay on the job.
 */
public final class JobTags {
  /**
   * Cutover without a test launch: a server still READY_FOR_TEST may be cut over when the request
   * says why. The reason is written into the cutover job's log (event TEST_SKIPPED).
   */
  public static final String SKIP_TEST_REASON = "liftshift:skip-test-reason";

  /**
   * {@code true}: the server's running test instance becomes its cutover instance, with no new
   * launch. It holds the data of the test's snapshot; what changed on the source since is not on
   * it, which the job's log says.
   */
  public static final String PROMOTE_TEST_INSTANCE = "liftshift:promote-test-instance";

  private JobTags() {}
}
