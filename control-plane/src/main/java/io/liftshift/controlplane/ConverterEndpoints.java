package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.contract.ConverterContract;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;

/**
 * The conversion servers' endpoints of the private API ({@link ConverterContract}): with the
 * one-job token the launch gave it ({@link ConverterApi#open}), a conversion server fetches its job
 * and posts its report, which the launch is waiting for.
 */
final class ConverterEndpoints {
  private static final String CONVERSION = ConverterApi.CONVERSION;

  private ConverterEndpoints() {}

  private static ObjectNode conversionFor(StoreTransaction c, String bearer)
      throws StoreException, ApiException {
    if (bearer != null) {
      for (Item r : c.query(CONVERSION, "tokenSha256", BearerTokens.sha256(bearer))) {
        ObjectNode conv = Json.parse(r.body());
        if (BearerTokens.matches(bearer, conv.path("tokenSha256").asText())) {
          conv.put("_id", r.id());
          return conv;
        }
      }
    }
    throw BearerTokens.unauthorized("the conversion job token is not valid");
  }

  /**
   * The job as the launch stored it (a {@link ConverterContract.Job}), less the token's digest.
   * Served as stored: the launch writes it in the contract's shape.
   */
  static JsonNode job(StoreTransaction c, String bearer) throws StoreException, ApiException {
    ObjectNode conv = conversionFor(c, bearer);
    if (conv.has("report")) {
      throw new ApiException(
          "ConflictException", 409, "job " + conv.path("jobID").asText() + " is already reported");
    }
    ObjectNode out = conv.deepCopy();
    out.remove("tokenSha256");
    out.remove("_id");
    return out;
  }

  static JsonNode report(StoreTransaction c, String bearer, ObjectNode raw)
      throws StoreException, ApiException {
    ObjectNode conv = conversionFor(c, bearer);
    String id = conv.remove("_id").asText();
    ConverterContract.Report r = PrivateBodies.read(raw, ConverterContract.Report.class);
    if (r.report() == null || !r.report().isObject()) {
      throw ApiException.validation(
          "fieldValidationFailed", "report: the conversion report is required");
    }
    conv.set("report", r.report());
    conv.set("plan", raw.path("plan"));
    c.update(CONVERSION, id, conv.toString());
    return PrivateBodies.write(new ConverterContract.Accepted(true));
  }
}
