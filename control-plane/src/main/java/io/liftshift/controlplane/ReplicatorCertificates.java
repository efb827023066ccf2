package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.contract.ReplicatorContract;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.trust.InstallationCa;
import io.liftshift.trust.ServerCertificateRequest;
import io.liftshift.trust.ServerRole;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Certifies replication servers' own keys (docs/control-plane.md, "Replicator API"), so that the
 * installation CA's key stays on the control plane: a replication server that is taken over holds a
 * certificate for its own addresses, never the key that could speak for the control plane.
 */
final class ReplicatorCertificates {
  /**
   * The only role certified here, whatever the request asks: an install token never gets anyone a
   * certificate that passes as the control plane's.
   */
  static final ServerRole ROLE = ServerRole.REPLICATOR;

  private static final Logger LOG = Logger.getLogger(ReplicatorCertificates.class.getName());

  private final InstallationCa ca;

  ReplicatorCertificates(InstallationCa ca) {
    this.ca = ca;
  }

  /**
   * Answers {@code {"certificateChain": PEM leaf + CA}} for {@code {"certificateRequest": PEM,
   * "subjectAltNames": [...]}}; the caller has checked the install token.
   */
  ReplicatorContract.CertificateChain issue(ObjectNode request) throws ApiException {
    JsonNode pem = request.path("certificateRequest");
    if (!pem.isTextual()) {
      throw ApiException.validation(
          "fieldValidationFailed",
          "certificateRequest: the PEM PKCS#10 request (-----BEGIN CERTIFICATE REQUEST-----) is"
              + " required");
    }
    JsonNode names = request.path("subjectAltNames");
    if (!names.isArray()) {
      throw ApiException.validation(
          "fieldValidationFailed",
          "subjectAltNames: a list of the DNS names and IP addresses agents use is required");
    }
    // Bounded before anything is built from them (the request body itself is bounded too).
    if (names.size() > ServerCertificateRequest.MAX_SUBJECT_ALT_NAMES) {
      throw ApiException.validation(
          "fieldValidationFailed",
          "subjectAltNames: at most "
              + ServerCertificateRequest.MAX_SUBJECT_ALT_NAMES
              + " names, got "
              + names.size());
    }
    List<String> sans = new ArrayList<>();
    for (JsonNode n : names) {
      if (!n.isTextual()) {
        throw ApiException.validation(
            "fieldValidationFailed", "subjectAltNames: each name must be a string, got " + n);
      }
      sans.add(n.asText());
    }
    ServerCertificateRequest csr;
    try {
      csr = ServerCertificateRequest.parse(pem.asText(), sans);
    } catch (IllegalArgumentException e) {
      throw ApiException.validation("fieldValidationFailed", e.getMessage());
    }
    try {
      String chain = ca.signRequest(csr, ROLE);
      // Every certificate the CA signs is worth a line in the log: it is what agents will trust.
      LOG.info("issued a replication server certificate for " + sans);
      return new ReplicatorContract.CertificateChain(chain);
    } catch (IOException e) {
      throw new IllegalStateException("the installation CA cannot sign: " + e.getMessage(), e);
    }
  }
}
