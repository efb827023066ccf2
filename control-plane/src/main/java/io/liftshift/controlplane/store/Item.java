package io.liftshift.controlplane.store;

/**
 * One stored item: a JSON document of a type, by id.
 *
 * @param version starts at 1 on insert and grows by one on every put; a put names the version it
 *     read, so a writer never overwrites a change it did not see
 * @param createdOrder orders a type's items by creation (lists return them in this order); only its
 *     order means anything, never its value
 */
public record Item(String type, String id, long version, long createdOrder, String body) {}
