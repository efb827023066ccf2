import { useEffect, useRef, useState } from 'react';
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
import { all, call, listTags } from '../api.js';
import { usePoll } from '../poll.js';
import { ActionMenus } from '../actions.jsx';
import * as m from '../migration.js';
import { ReplicationSettings, LaunchSettings } from './Settings.jsx';
import { JobLog, jobStatus } from './LaunchHistory.jsx';

const HOUR_MILLIS = 3600 * 1000;

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

/** Lag samples taken while this page is open (the API gives the current lag), for the last hour. */
function useLagHistory(server) {
  const samples = useRef([]);
  const [, redraw] = useState(0);
  useEffect(() => {
    if (!server) return;
    const lag = m.lagSeconds(server);
    if (lag === null) return;
    const now = Date.now();
    samples.current = [...samples.current.filter((p) => p.x.getTime() > now - HOUR_MILLIS), { x: new Date(now), y: lag }];
    redraw((n) => n + 1);
  }, [server]);
  return samples.current;
}

export default function SourceServer({ id, notify }) {
  const { data, error, refresh } = usePoll(async () => {
    const [servers, jobs] = await Promise.all([call('DescribeSourceServers', { filters: { sourceServerIDs: [id] } }), all('DescribeJobs', {})]);
    return { server: servers.items?.[0], jobs: jobs.filter((j) => (j.participatingServers || []).some((p) => p.sourceServerID === id)) };
  }, [id]);
  const server = data?.server;
  const lag = useLagHistory(server);
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
        <Container header={<Header variant="h2" description="Sampled every 2 s while this page is open, for up to an hour">Replication lag</Header>}>
          <LineChart
            series={[{ title: 'Lag (s)', type: 'line', data: lag }]}
            xScaleType="time"
            xTitle="Time"
            yTitle="Lag (seconds)"
            height={160}
            hideFilter
            hideLegend
            empty={<Box textAlign="center">No lag reported yet</Box>}
            ariaLabel="Replication lag over the last hour"
            i18nStrings={{ xTickFormatter: (d) => d.toLocaleTimeString() }}
          />
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
