package io.liftshift.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AuthFailureBackoffTest {
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  @Test
  void theNthFailureInTheWindowPausesThatAddressOnly() {
    AuthFailureBackoff b = new AuthFailureBackoff(3, MINUTE, MINUTE);
    assertThat(b.failed("10.0.0.1")).isFalse();
    assertThat(b.failed("10.0.0.1")).isFalse();
    assertThat(b.pausedNanos("10.0.0.1")).isZero();
    assertThat(b.failed("10.0.0.1")).as("the third failure starts the pause").isTrue();
    assertThat(b.pausedNanos("10.0.0.1")).isPositive();
    assertThat(b.pausedNanos("10.0.0.2")).isZero();
    assertThat(b.failed("10.0.0.1")).as("a pause is reported once").isFalse();
  }

  @Test
  void aPauseEnds() throws InterruptedException {
    AuthFailureBackoff b = new AuthFailureBackoff(1, MINUTE, TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(b.failed("10.0.0.1")).isTrue();
    Thread.sleep(100);
    assertThat(b.pausedNanos("10.0.0.1")).isZero();
  }
}
