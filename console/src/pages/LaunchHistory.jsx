import Table from '@cloudscape-design/components/table';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Box from '@cloudscape-design/components/box';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Container from '@cloudscape-design/components/container';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { all } from '../api.js';
import { usePoll } from '../poll.js';
import { formatTime } from '../migration.js';

export function jobStatus(job) {
  const type = job.status === 'COMPLETED' ? 'success' : job.status === 'STARTED' ? 'in-progress' : 'pending';
  const failed = (job.participatingServers || []).some((p) => p.launchStatus === 'FAILED');
  return (
    <StatusIndicator type={failed ? 'error' : type}>
      <span className="job-status">{job.status}</span>
      {failed ? ' (failed)' : ''}
    </StatusIndicator>
  );
}

/** A job's log events, as they come (polled every 2 s). */
export function JobLog({ jobId }) {
  const { data } = usePoll(() => all('DescribeJobLogItems', { jobID: jobId }), [jobId]);
  return (
    <Table
      variant="embedded"
      items={data || []}
      loading={!data}
      loadingText="Loading the job's log"
      ariaLabel={`Log of ${jobId}`}
      empty={<Box textAlign="center">No events yet</Box>}
      wrapLines
      columnDefinitions={[
        { id: 'time', header: 'Time', cell: (e) => formatTime(e.logDateTime) },
        { id: 'event', header: 'Event', cell: (e) => <span className="job-event">{e.event}</span>, isRowHeader: true },
        { id: 'server', header: 'Source server', cell: (e) => e.eventData?.sourceServerID || '-' },
        { id: 'data', header: 'Details', cell: (e) => e.eventData?.rawError || e.eventData?.conversionServerID || e.eventData?.targetInstanceID || '' },
      ]}
    />
  );
}

export default function LaunchHistory({ jobId }) {
  const { data } = usePoll(() => all('DescribeJobs', {}));
  const jobs = [...(data || [])].sort((a, b) => (b.creationDateTime || '').localeCompare(a.creationDateTime || ''));
  const selected = jobId && jobs.find((j) => j.jobID === jobId);
  return (
    <SpaceBetween size="l">
      <Table
        variant="full-page"
        header={<Header variant="awsui-h1-sticky" counter={`(${jobs.length})`} description="Launch, terminate and cleanup jobs, newest first">Launch history</Header>}
        items={jobs}
        loading={!data}
        empty={<Box textAlign="center">No jobs yet</Box>}
        columnDefinitions={[
          { id: 'id', header: 'Job ID', cell: (j) => <Link href={`#/jobs/${j.jobID}`}>{j.jobID}</Link>, isRowHeader: true },
          { id: 'type', header: 'Type', cell: (j) => j.type },
          { id: 'initiatedBy', header: 'Initiated by', cell: (j) => j.initiatedBy || '-' },
          { id: 'status', header: 'Status', cell: (j) => jobStatus(j) },
          { id: 'servers', header: 'Servers', cell: (j) => (j.participatingServers || []).map((p) => `${p.sourceServerID} (${p.launchStatus || '-'})`).join(', ') },
          { id: 'created', header: 'Started', cell: (j) => formatTime(j.creationDateTime) },
          { id: 'ended', header: 'Ended', cell: (j) => formatTime(j.endDateTime) },
        ]}
      />
      {selected && (
        <Container header={<Header variant="h2" description={`${selected.type} · ${selected.initiatedBy || ''}`}>Job {selected.jobID}: {jobStatus(selected)}</Header>}>
          <JobLog jobId={selected.jobID} />
        </Container>
      )}
    </SpaceBetween>
  );
}
