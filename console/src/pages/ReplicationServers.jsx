import Table from '@cloudscape-design/components/table';
import Header from '@cloudscape-design/components/header';
import Container from '@cloudscape-design/components/container';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import Link from '@cloudscape-design/components/link';
import Box from '@cloudscape-design/components/box';
import Alert from '@cloudscape-design/components/alert';
import { replicationServers } from '../api.js';
import { usePoll } from '../poll.js';
import { formatSeconds, formatTime } from '../migration.js';

/** The fleet as the control plane sees it (GET /liftshift/v1/replication-servers), every 5 s. */
export default function ReplicationServers() {
  const { data, error } = usePoll(() => replicationServers(), [], 5000);
  const need = data?.need || {};
  const items = data?.items || [];
  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h1" description="What the fleet's scaler follows: one replication server per 15 disks">Replication servers</Header>}>
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Live replication servers', value: <span id="live-replicators">{need.liveReplicators ?? '-'}</span> },
            { label: 'Needed', value: <span id="desired-replicators">{need.desiredReplicators ?? '-'}</span> },
            { label: 'Disks per server (default)', value: need.disksPerReplicator ?? '-' },
            { label: 'Tracked source servers', value: need.trackedSourceServers ?? '-' },
            { label: 'Tracked disks', value: need.trackedDisks ?? '-' },
            { label: 'Disks waiting for a server', value: need.unassignedDisks ?? '-' },
          ]}
        />
      </Container>
      {error && !data && (
        <Alert type="error" header={error.type}>
          {error.message}
        </Alert>
      )}
      <Table
        data-table="replication-servers"
        header={<Header variant="h2" counter={`(${items.length})`} description="Each server's address, last heartbeat, and the disks placed on it">Fleet</Header>}
        items={items}
        loading={!data && !error}
        loadingText="Loading the fleet"
        wrapLines
        trackBy="replicationServerID"
        empty={<Box textAlign="center">No replication server has registered with this control plane yet</Box>}
        columnDefinitions={[
          { id: 'id', header: 'Replication server', cell: (r) => <span className="replicator-id">{r.replicationServerID}</span>, isRowHeader: true },
          { id: 'address', header: 'Address', cell: (r) => `${r.host}:${r.port}` },
          {
            id: 'state',
            header: 'State',
            cell: (r) => (
              <StatusIndicator type={r.state === 'LIVE' ? 'success' : 'error'}>
                <span className="replicator-state">{r.state === 'LIVE' ? 'Live' : 'Lost'}</span>
              </StatusIndicator>
            ),
          },
          { id: 'heartbeat', header: 'Last heartbeat', cell: (r) => `${formatSeconds(r.lastHeartbeatAgeSeconds)} ago (${formatTime(r.lastHeartbeatDateTime)})` },
          {
            id: 'disks',
            header: 'Disks placed',
            minWidth: 180,
            cell: (r) => (
              <ProgressBar
                value={r.maxDisks ? Math.round((100 * r.placedDisks) / r.maxDisks) : 0}
                ariaLabel={`Disks placed on ${r.replicationServerID}`}
                additionalInfo={<span className="replicator-disks">{`${r.placedDisks} of ${r.maxDisks} (${r.activeDisks} replicating)`}</span>}
              />
            ),
          },
          {
            id: 'servers',
            header: 'Source servers',
            cell: (r) =>
              r.sourceServers.length === 0
                ? '-'
                : r.sourceServers.map((s, i) => (
                    <span key={s.sourceServerID}>
                      {i > 0 && ', '}
                      <Link href={`#/servers/${encodeURIComponent(s.sourceServerID)}`}>{s.hostname || s.sourceServerID}</Link>
                      {` (${s.disks} ${s.disks === 1 ? 'disk' : 'disks'})`}
                    </span>
                  )),
          },
        ]}
      />
    </SpaceBetween>
  );
}
