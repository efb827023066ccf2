package io.liftshift.cdkapp;

import com.fasterxml.jackson.databind.JsonNode;
import io.liftshift.contract.ContractJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import software.constructs.Node;

/**
 * The app's settings: a CDK context value ({@code -c key=value}) wins over the same key in {@code
 * liftshift.json} (in the directory cdk runs in), which wins over the default.
 */
final class AppConfig {
  private final Node context;
  private final JsonNode file;

  AppConfig(Node context, Path file) {
    this.context = context;
    JsonNode parsed = null;
    if (file != null && Files.isRegularFile(file)) {
      try {
        parsed = ContractJson.MAPPER.readTree(file.toFile());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
      if (!parsed.isObject()) {
        throw new IllegalArgumentException(file + " must hold a JSON object of settings");
      }
    }
    this.file = parsed;
  }

  String string(String key) {
    Object v = context.tryGetContext(key);
    if (v != null) {
      return v.toString().trim();
    }
    if (file != null && file.hasNonNull(key)) {
      JsonNode n = file.get(key);
      return n.isTextual() ? n.asText().trim() : n.toString();
    }
    return null;
  }

  String string(String key, String fallback) {
    String v = string(key);
    return v == null || v.isEmpty() ? fallback : v;
  }

  /** A list: a JSON array in the file, or comma-separated text in either place. */
  List<String> list(String key) {
    List<String> out = new ArrayList<>();
    Object v = context.tryGetContext(key);
    if (v == null && file != null && file.hasNonNull(key) && file.get(key).isArray()) {
      file.get(key).forEach(n -> out.add(n.asText().trim()));
      return out;
    }
    String text = string(key);
    if (text != null) {
      for (String part : text.split(",", -1)) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    return out;
  }

  boolean bool(String key) {
    return Boolean.parseBoolean(string(key, "false"));
  }

  int integer(String key, int fallback) {
    String v = string(key);
    if (v == null || v.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number; got " + v, e);
    }
  }
}
