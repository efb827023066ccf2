package io.liftshift.controlplane.auth;

import io.liftshift.controlplane.api.ApiException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks AWS Signature Version 4 on a request, as AWS does: the scope (date, region, service), the
 * clock skew, the signed headers (host and x-amz-date at least), the payload hash against the body
 * actually received, and the signature itself. Failures carry AWS's error codes and messages.
 */
public final class SigV4Verifier {
  public static final Duration MAX_SKEW = Duration.ofMinutes(15);
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final String region;
  private final String service;

  public SigV4Verifier(String region, String service) {
    this.region = region;
    this.service = service;
  }

  /** What a verified request proved. */
  public record Caller(String accessKeyId) {}

  /**
   * @param headers header name (any case) to values, as received
   * @param secrets the secret of an access key id, empty when unknown or revoked
   */
  public Caller verify(
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      byte[] body,
      Instant now,
      Function<String, Optional<byte[]>> secrets)
      throws ApiException {
    Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    h.putAll(headers);
    String auth = first(h, "authorization");
    if (auth == null) {
      throw denied("MissingAuthenticationTokenException", "Missing Authentication Token");
    }
    if (!auth.startsWith("AWS4-HMAC-SHA256 ")) {
      throw denied("IncompleteSignatureException", "Only AWS4-HMAC-SHA256 is supported");
    }
    Map<String, String> parts = new TreeMap<>();
    for (String p : auth.substring(17).split(",")) {
      int eq = p.indexOf('=');
      if (eq > 0) {
        parts.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
      }
    }
    String credential = parts.get("Credential");
    String signedHeaders = parts.get("SignedHeaders");
    String signature = parts.get("Signature");
    if (credential == null || signedHeaders == null || signature == null) {
      throw denied(
          "IncompleteSignatureException",
          "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'");
    }
    String[] scope = credential.split("/");
    if (scope.length != 5 || !scope[4].equals("aws4_request")) {
      throw denied("IncompleteSignatureException", "Credential is malformed: " + credential);
    }
    String accessKeyId = scope[0];
    String date = scope[1];
    if (!scope[2].equals(region)) {
      throw denied(
          "InvalidSignatureException",
          "Credential should be scoped to a valid region, not '" + scope[2] + "'. Use " + region);
    }
    if (!scope[3].equals(service)) {
      throw denied(
          "InvalidSignatureException",
          "Credential should be scoped to correct service: '" + service + "'.");
    }
    String amzDate = first(h, "x-amz-date");
    if (amzDate == null) {
      throw denied("IncompleteSignatureException", "Missing X-Amz-Date");
    }
    Instant signedAt;
    try {
      signedAt = Instant.from(AMZ_DATE.parse(amzDate));
    } catch (DateTimeParseException e) {
      throw denied("IncompleteSignatureException", "X-Amz-Date is not in ISO 8601 basic format");
    }
    if (!amzDate.startsWith(date)) {
      throw denied("InvalidSignatureException", "Credential date does not match X-Amz-Date");
    }
    if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
      throw denied(
          "InvalidSignatureException",
          "Signature expired: "
              + amzDate
              + " is now earlier than "
              + AMZ_DATE.format(now.minus(MAX_SKEW))
              + " ("
              + AMZ_DATE.format(now)
              + " - 15 min.)");
    }
    List<String> signed = List.of(signedHeaders.split(";"));
    if (!signed.contains("host") || !signed.contains("x-amz-date")) {
      throw denied("IncompleteSignatureException", "'host' and 'x-amz-date' must be signed");
    }
    String bodyHash = hex(sha256(body));
    String claimed = first(h, "x-amz-content-sha256");
    if (claimed != null && !claimed.equals(bodyHash)) {
      throw denied(
          "InvalidSignatureException",
          "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    byte[] secret =
        secrets
            .apply(accessKeyId)
            .orElseThrow(
                () ->
                    denied(
                        "UnrecognizedClientException",
                        "The security token included in the request is invalid."));
    StringBuilder canonical = new StringBuilder();
    canonical.append(method).append('\n');
    canonical.append(canonicalPath(rawPath)).append('\n');
    canonical.append(canonicalQuery(rawQuery)).append('\n');
    for (String name : signed) {
      List<String> values = h.get(name);
      if (values == null) {
        throw denied("IncompleteSignatureException", "Signed header '" + name + "' is missing");
      }
      List<String> trimmed = new ArrayList<>();
      for (String v : values) {
        trimmed.add(v.trim().replaceAll("\\s+", " "));
      }
      canonical
          .append(name.toLowerCase(Locale.ROOT))
          .append(':')
          .append(String.join(",", trimmed))
          .append('\n');
    }
    canonical
        .append('\n')
        .append(signedHeaders)
        .append('\n')
        .append(claimed != null ? claimed : bodyHash);
    String stringToSign =
        "AWS4-HMAC-SHA256\n"
            + amzDate
            + "\n"
            + date
            + "/"
            + region
            + "/"
            + service
            + "/aws4_request\n"
            + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    byte[] key = hmac(concat("AWS4".getBytes(StandardCharsets.UTF_8), secret), date);
    key = hmac(key, region);
    key = hmac(key, service);
    key = hmac(key, "aws4_request");
    String expected = hex(hmac(key, stringToSign));
    if (!MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        signature.getBytes(StandardCharsets.US_ASCII))) {
      throw denied(
          "InvalidSignatureException",
          "The request signature we calculated does not match the signature you provided. Check"
              + " your AWS Secret Access Key and signing method.");
    }
    return new Caller(accessKeyId);
  }

  private static ApiException denied(String type, String message) {
    return new ApiException(type, 403, message);
  }

  private static String first(Map<String, List<String>> h, String name) {
    List<String> v = h.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static String canonicalPath(String rawPath) {
    StringBuilder out = new StringBuilder();
    for (String seg : rawPath.split("/", -1)) {
      if (out.length() > 0 || rawPath.startsWith("/")) {
        out.append('/');
      }
      // Services other than S3 sign the path encoded twice: the raw (already encoded) segment is
      // encoded again, so "%3A" in the request line is "%253A" in the canonical request.
      out.append(uriEncode(seg, true));
    }
    String p = out.toString().replaceFirst("^//", "/");
    return p.isEmpty() ? "/" : p;
  }

  private static String canonicalQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    TreeMap<String, List<String>> params = new TreeMap<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.computeIfAbsent(uriEncode(k, true), x -> new ArrayList<>()).add(uriEncode(v, true));
    }
    List<String> out = new ArrayList<>();
    params.forEach((k, vs) -> vs.stream().sorted().forEach(v -> out.add(k + "=" + v)));
    return String.join("&", out);
  }

  private static String uriEncode(String s, boolean encodeSlash) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xFF);
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~'
          || (c == '/' && !encodeSlash)) {
        b.append(c);
      } else {
        b.append('%').append(String.format("%02X", x & 0xFF));
      }
    }
    return b.toString();
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return m.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
