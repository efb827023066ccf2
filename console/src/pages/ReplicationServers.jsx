import Table from '@cloudscape-design/components/table';
import Header from '@cloudscape-design/components/header';
import Container from '@cloudscape-design/components/container';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Box from '@cloudscape-design/components/box';
import { all, fleetNeed } from '../api.js';
import { usePoll } from '../poll.js';
import { disks, hostname } from '../migration.js';

export default function ReplicationServers() {
  const { data } = usePoll(async () => {
    const [need, servers] = await Promise.all([fleetNeed(), all('DescribeSourceServers', { filters: { isArchived: false } })]);
    return { need, servers };
  }, [], 5000);
  const byReplicator = {};
  (data?.servers || []).forEach((s) => {
    const r = s.dataReplicationInfo?.replicatorId;
    if (r) (byReplicator[r] = byReplicator[r] || []).push(s);
  });
  const rows = Object.entries(byReplicator).map(([id, servers]) => ({ id, servers }));
  const need = data?.need || {};
  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h1" description="What the fleet's scaler reads (GET /fleet/v1/need)">Replication servers</Header>}>
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Live replication servers', value: need.liveReplicators ?? '-' },
            { label: 'Needed', value: need.desiredReplicators ?? '-' },
            { label: 'Disks per server (max)', value: need.disksPerReplicator ?? '-' },
            { label: 'Tracked source servers', value: need.trackedSourceServers ?? '-' },
            { label: 'Tracked disks', value: need.trackedDisks ?? '-' },
            { label: 'Disks waiting for a server', value: need.unassignedDisks ?? '-' },
          ]}
        />
      </Container>
      <Table
        header={<Header variant="h2" counter={`(${rows.length})`}>Disks per replication server</Header>}
        items={rows}
        loading={!data}
        empty={<Box textAlign="center">No source server is placed on a replication server yet</Box>}
        columnDefinitions={[
          { id: 'id', header: 'Replication server', cell: (r) => r.id, isRowHeader: true },
          { id: 'disks', header: 'Disks', cell: (r) => r.servers.reduce((a, s) => a + Math.max(1, disks(s).length), 0) },
          { id: 'servers', header: 'Source servers', cell: (r) => r.servers.map(hostname).join(', ') },
        ]}
      />
    </SpaceBetween>
  );
}
