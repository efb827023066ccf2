package io.liftshift.agent;

import java.io.IOException;

/**
 * The control plane answered that this source server was disconnected from the service (a finalized
 * cutover, DisconnectFromService, an archived server): the agent stops replicating and uninstalls
 * itself.
 */
public final class DisconnectedFromServiceException extends IOException {
  private static final long serialVersionUID = 1L;

  public DisconnectedFromServiceException(String message) {
    super(message);
  }
}
