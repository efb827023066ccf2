package io.liftshift.controlplane;

import java.nio.file.Path;

/** The control plane's services, one per resource, built once over one account. */
record Services(
    Account account,
    TemplateService templates,
    SourceServerService servers,
    ServerConfigurations configurations,
    ReplicationControlService replication,
    JobService jobs,
    ApplicationService applications,
    PostLaunchActionService actions,
    TagService tags) {

  static Services create(String region, long agentNotSeenMillis, Path postLaunchScriptsDir) {
    Account account = new Account(region);
    Documents documents = new Documents(account);
    SourceServerService servers = new SourceServerService(account, agentNotSeenMillis);
    return new Services(
        account,
        new TemplateService(account, documents),
        servers,
        new ServerConfigurations(servers),
        new ReplicationControlService(servers),
        new JobService(account, servers),
        new ApplicationService(account, documents, servers),
        new PostLaunchActionService(account, documents, servers, postLaunchScriptsDir),
        new TagService(account));
  }
}
