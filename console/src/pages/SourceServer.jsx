import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import Container from '@cloudscape-design/components/container';
import SpaceBetween from '@cloudscape-design/components/space-between';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import LineChart from '@cloudscape-design/components/line-chart';
import Tabs from '@cloudscape-design/components/tabs';
import Table from '@cloudscape-design/components/table';
import Box from '@cloudscape-design/components/box';
import Link from '@cloudscape-design/components/link';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Alert from '@cloudscape-design/components/alert';
import { all, call, lagHistory, listTags } from '../api.js';
import { usePoll } from '../poll.js';
import { ActionMenus } from '../actions.jsx';
import * as m from '../migration.js';
import { ReplicationSettings, LaunchSettings } from './Settings.jsx';
import { JobLog, jobStatus } from './LaunchHistory.jsx';

function LifecycleSteps({ server }) {
  const state = m.lifecycle(server);
  const index = m.LIFECYCLE_STEPS.findIndex(([s]) => s === state);
  return (
    <ol className="lifecycle-steps" aria-label="Lifecycle">
      {m.LIFECYCLE_STEPS.map(([s, label], i) => (
        <li key={s} aria-current={i === index ? 'step' : undefined}>
          <StatusIndicator type={index < 0 ? 'pending' : i < index ? 'success' : i === index ? 'in-progress' : 'pending'}>{label}</StatusIndicator>
        </li>
      ))}
      {index < 0 && (
        <li aria-current="step">
          <StatusIndicator type="stopped">{m.LIFECYCLE_LABELS[state] || state}</StatusIndicator>
        </li>
      )}
    </ol>
  );
}

/** The last hour's lag, one sample per 10 s, as the control plane kept it from the agent's heartbeats. */
function LagChart({ id }) {
  const { data, error } = usePoll(() => lagHistory(id), [id], 10000);
  const samples = (data?.samples || []).map((p) => ({ x: new Date(p.epochMillis), y: p.lagSeconds }));
  const now = Date.now();
  return (
    <div id="lag-chart" data-samples={data ? samples.length : ''}>
      <LineChart
        series={[{ title: 'Lag (s)', type: 'line', data: samples, valueFormatter: (v) => m.formatSeconds(v) }]}
        xDomain={[new Date(now - 3600 * 1000), new Date(now)]}
        xScaleType="time"
        xTitle="Time"
        yTitle="Lag (seconds)"
        height={160}
        hideFilter
        hideLegend
        statusType={data ? 'finished' : error ? 'error' : 'loading'}
        errorText={error?.message}
        loadingText="Loading the lag history"
        empty={<Box textAlign="center">No lag reported in the last hour</Box>}
        ariaLabel="Replication lag over the last hour"
        i18nStrings={{ xTickFormatter: (d) => d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }}
      />
    </div>
  );
}

export default function SourceServer({ id, notify }) {
  const { data, error, refresh } = usePoll(async () => {
    const [servers, jobs] = await Promise.all([call('DescribeSourceServers', { filters: { sourceServerIDs: [id] } }), all('DescribeJobs', {})]);
    return { server: servers.items?.[0], jobs: jobs.filter((j) => (j.participatingServers || []).some((p) => p.sourceServerID === id)) };
  }, [id]);
  const server = data?.server;
  if (error && !data) return <Alert type="error" header={error.type}>{error.message}</Alert>;
  if (!data) return <Box>Loading</Box>;
  if (!server) return <Alert type="error" header="Not found">No source server {id}.</Alert>;
  const jobs = [...data.jobs].sort((a, b) => (b.creationDateTime || '').localeCompare(a.creationDateTime || ''));
  const latest = jobs[0];
  const props = server.sourceProperties || {};
  return (
    <ContentLayout
      header={
        <SpaceBetween size="s">
          <BreadcrumbGroup items={[{ text: 'Source servers', href: '#/servers' }, { text: m.hostname(server), href: `#/servers/${id}` }]} ariaLabel="Breadcrumbs" />
          <Header
            variant="h1"
            description={`${server.sourceServerID} · ${m.os(server)}`}
            actions={
              <ActionMenus
                selected={[server]}
                onDone={({ action, answer }) => {
                  notify({ type: 'success', header: `${action.label}: requested`, content: answer?.job ? `Job ${answer.job.jobID}` : undefined });
                  refresh();
                }}
              />
            }
          >
            <span id="server-hostname">{m.hostname(server)}</span>
          </Header>
        </SpaceBetween>
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">Migration dashboard</Header>}>
          <ColumnLayout columns={2} variant="text-grid">
            <SpaceBetween size="s">
              <Box variant="awsui-key-label">Lifecycle</Box>
              <LifecycleSteps server={server} />
              <Box variant="awsui-key-label">Next step</Box>
              <Box id="next-step">{m.nextStep(server)}</Box>
              {m.alerts(server).length > 0 && (
                <Alert type="warning" header="Alerts">
                  {m.alerts(server).join(' · ')}
                </Alert>
              )}
            </SpaceBetween>
            <SpaceBetween size="s">
              <Box variant="awsui-key-label">Data replication status</Box>
              <StatusIndicator type={m.replicationIndicator(m.replication(server))}>
                <span id="replication-state">{m.REPLICATION_LABELS[m.replication(server)] || m.replication(server)}</span>
              </StatusIndicator>
              <KeyValuePairs
                columns={3}
                items={[
                  { label: 'Lag', value: m.formatSeconds(m.lagSeconds(server)) },
                  { label: 'Backlog', value: m.formatBytes(m.backlogBytes(server)) },
                  { label: 'ETA', value: m.eta(server) },
                ]}
              />
              {m.disks(server).map((d) => (
                <ProgressBar
                  key={d.deviceName}
                  label={`Disk ${d.deviceName}`}
                  value={d.totalStorageBytes ? Math.floor((100 * (d.replicatedStorageBytes || 0)) / d.totalStorageBytes) : 0}
                  description={`${m.formatBytes(d.replicatedStorageBytes)} of ${m.formatBytes(d.totalStorageBytes)} replicated`}
                  additionalInfo={d.backloggedStorageBytes ? `backlog ${m.formatBytes(d.backloggedStorageBytes)}` : undefined}
                />
              ))}
            </SpaceBetween>
          </ColumnLayout>
        </Container>
        <Container header={<Header variant="h2" description="One sample every 10 s over the last hour, kept by the control plane from the agent's heartbeats">Replication lag</Header>}>
          <LagChart id={id} />
        </Container>
        {latest && (
          <Container header={<Header variant="h2" description={`${latest.jobID} · ${latest.type} · ${latest.initiatedBy || ''}`}>Latest job: {jobStatus(latest)}</Header>}>
            <JobLog jobId={latest.jobID} />
          </Container>
        )}
        <Tabs
          ariaLabel="Server details"
          tabs={[
            {
              id: 'info',
              label: 'Server info',
              content: (
                <SpaceBetween size="m">
                  <Container>
                    <KeyValuePairs
                      columns={3}
                      items={[
                        { label: 'Hostname', value: props.identificationHints?.hostname || '-' },
                        { label: 'FQDN', value: props.identificationHints?.fqdn || '-' },
                        { label: 'Operating system', value: m.os(server) },
                        { label: 'CPUs', value: (props.cpus || []).map((c) => `${c.cores || 1} × ${c.modelName || 'CPU'}`).join(', ') || '-' },
                        { label: 'RAM', value: m.formatBytes(props.ramBytes) },
                        { label: 'Replication server', value: server.dataReplicationInfo?.replicatorId || '-' },
                        { label: 'Last snapshot', value: m.formatTime(server.dataReplicationInfo?.lastSnapshotDateTime) },
                        { label: 'Launched instance', value: server.launchedInstance?.ec2InstanceID || '-' },
                        { label: 'Application', value: server.applicationID || '-' },
                      ]}
                    />
                  </Container>
                  <Table
                    header={<Header variant="h2">Disks</Header>}
                    items={props.disks || []}
                    columnDefinitions={[
                      { id: 'device', header: 'Device', cell: (d) => d.deviceName, isRowHeader: true },
                      { id: 'size', header: 'Size', cell: (d) => m.formatBytes(d.bytes) },
                    ]}
                  />
                </SpaceBetween>
              ),
            },
            { id: 'replication', label: 'Replication settings', content: <ReplicationSettings id={id} notify={notify} /> },
            { id: 'launch', label: 'Launch settings', content: <LaunchSettings id={id} notify={notify} /> },
            { id: 'actions', label: 'Post-launch actions', content: <PostLaunchActions id={id} /> },
            { id: 'tags', label: 'Tags', content: <Tags arn={server.arn} /> },
            {
              id: 'jobs',
              label: 'Jobs',
              content: (
                <Table
                  items={jobs}
                  empty={<Box textAlign="center">No jobs for this server</Box>}
                  columnDefinitions={[
                    { id: 'id', header: 'Job', cell: (j) => <Link href={`#/jobs/${j.jobID}`}>{j.jobID}</Link>, isRowHeader: true },
                    { id: 'type', header: 'Type', cell: (j) => j.initiatedBy || j.type },
                    { id: 'status', header: 'Status', cell: (j) => jobStatus(j) },
                    { id: 'created', header: 'Started', cell: (j) => m.formatTime(j.creationDateTime) },
                  ]}
                />
              ),
            },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}

function PostLaunchActions({ id }) {
  const { data } = usePoll(() => all('ListSourceServerActions', { sourceServerID: id }), [id], 10000);
  return (
    <Table
      items={data || []}
      loading={!data}
      empty={<Box textAlign="center">No post-launch actions</Box>}
      columnDefinitions={[
        { id: 'order', header: 'Order', cell: (a) => a.order },
        { id: 'name', header: 'Name', cell: (a) => a.actionName, isRowHeader: true },
        { id: 'doc', header: 'Document', cell: (a) => a.documentIdentifier },
        { id: 'active', header: 'Active', cell: (a) => (a.active ? 'Yes' : 'No') },
        { id: 'must', header: 'Must succeed', cell: (a) => (a.mustSucceedForCutover ? 'Yes' : 'No') },
      ]}
    />
  );
}

function Tags({ arn }) {
  const { data } = usePoll(() => listTags(arn), [arn], 10000);
  const tags = Object.entries(data?.tags || {});
  return (
    <Table
      items={tags}
      loading={!data}
      empty={<Box textAlign="center">No tags</Box>}
      columnDefinitions={[
        { id: 'k', header: 'Key', cell: ([k]) => k, isRowHeader: true },
        { id: 'v', header: 'Value', cell: ([, v]) => v },
      ]}
    />
  );
}
