package io.liftshift.agent;

import io.liftshift.agent.tracking.ChangeMap;

/** Told, on the link's receiver thread, whenever a batch of changed blocks became durable. */
@FunctionalInterface
public interface DurabilityListener {
  void onDurable(String diskKey, ChangeMap.Batch batch, long ackNanos);

  DurabilityListener NONE = (k, b, t) -> {};
}
