package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.contract.AgentContract;
import io.liftshift.contract.ConverterContract;
import io.liftshift.contract.ReplicatorContract;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreException;

/**
 * The private API on 443 ({@code io.liftshift.contract}; docs/control-plane.md, "Private API"):
 * routes each path to the endpoints of its caller (agents, replication servers, conversion
 * servers), each call in one transaction. Bearer tokens only: SigV4 is not valid here, and no token
 * of this API is valid for the MGN API.
 */
final class PrivateApi {
  private final ControlPlaneStore db;
  private final AgentEndpoints agents;
  private final ReplicatorEndpoints replicators;

  PrivateApi(
      ControlPlaneStore db,
      String region,
      ReplicationFleet fleet,
      ReplicatorCertificates certificates) {
    this.db = db;
    this.agents = new AgentEndpoints(db, region, fleet);
    this.replicators = new ReplicatorEndpoints(fleet, certificates);
  }

  /** Issues an install token for {@code role}; only its digest is stored. */
  String createInstallToken(InstallTokenRole role) throws StoreException {
    return InstallTokens.create(db, role);
  }

  JsonNode handle(String path, String bearer, JsonNode body) throws StoreException, ApiException {
    if (!body.isObject()) {
      throw ApiException.validation("cannotParse", "the request body must be a JSON object");
    }
    ObjectNode request = (ObjectNode) body;
    return ApiTransaction.run(
        db,
        c ->
            switch (path) {
              case AgentContract.REGISTER -> agents.register(c, bearer, request);
              case AgentContract.HEARTBEAT -> agents.heartbeat(c, bearer, request);
              case ReplicatorContract.REGISTER -> replicators.register(c, bearer, request);
              case ReplicatorContract.CERTIFICATE -> replicators.certificate(c, bearer, request);
              case ReplicatorContract.HEARTBEAT -> replicators.heartbeat(c, bearer, request);
              case ConverterContract.JOB -> ConverterEndpoints.job(c, bearer);
              case ConverterContract.REPORT -> ConverterEndpoints.report(c, bearer, request);
              default -> throw new ApiException("UnknownOperationException", 404, "no " + path);
            });
  }

  /** The agents' instructions long-poll ({@link AgentContract#INSTRUCTIONS}), in its own call. */
  AgentEndpoints.Poll instructions(String agentToken, JsonNode body)
      throws StoreException, ApiException {
    return agents.instructions(agentToken, body);
  }
}
