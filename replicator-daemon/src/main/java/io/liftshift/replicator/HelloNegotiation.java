package io.liftshift.replicator;

import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.Features;
import io.liftshift.protocol.FrameHeader;
import io.liftshift.protocol.Message;
import io.liftshift.protocol.ProtocolException;
import java.util.UUID;

/**
 * What an admitted agent's HELLO is answered with: the highest protocol version both sides speak
 * and the features both support. It exists apart from {@link AgentSession}, which decides whether
 * the agent is admitted at all, so that the terms of a session are read in one place and hold no
 * connection state.
 */
final class HelloNegotiation {
  private HelloNegotiation() {}

  /**
   * The WELCOME for {@code hello}, or why there is none.
   *
   * @param pointInTime whether this replicator takes point-in-time snapshots at all
   */
  static Message.Welcome welcome(Message.Hello hello, boolean pointInTime)
      throws ProtocolException {
    int version = Math.min(hello.maxVersion(), FrameHeader.MAX_VERSION);
    if (version < hello.minVersion() || version < FrameHeader.MIN_VERSION) {
      throw new ProtocolException(
          ErrorCode.UNSUPPORTED_VERSION,
          "agent speaks versions "
              + hello.minVersion()
              + ".."
              + hello.maxVersion()
              + ", this replicator "
              + FrameHeader.MIN_VERSION
              + ".."
              + FrameHeader.MAX_VERSION);
    }
    if (hello.sourceServerId().isBlank()) {
      throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "HELLO without a source server id");
    }
    long features = hello.features() & Features.SUPPORTED;
    if (!pointInTime) {
      features &= ~Features.POINT_IN_TIME;
    }
    return new Message.Welcome(
        version, features, FrameHeader.MAX_BODY_LENGTH, UUID.randomUUID().toString());
  }
}
