package io.liftshift.controlplane.store;

import java.util.List;

/**
 * An attribute of a type's items the store can query by: the values found at {@code path} in the
 * item's JSON body, where a {@code "*"} step takes every element of an array. An item with no value
 * there is not in the index; scalars are indexed as their text.
 */
public record Index(String type, String attribute, List<String> path) {
  public Index {
    path = List.copyOf(path);
  }

  public static Index of(String type, String attribute, String... path) {
    return new Index(type, attribute, List.of(path));
  }
}
