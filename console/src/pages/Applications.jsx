import { useState } from 'react';
import Table from '@cloudscape-design/components/table';
import Header from '@cloudscape-design/components/header';
import Box from '@cloudscape-design/components/box';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { all } from '../api.js';
import { usePoll } from '../poll.js';
import { ActionMenus } from '../actions.jsx';

export default function Applications({ notify }) {
  const { data, refresh } = usePoll(async () => {
    const [applications, waves, servers] = await Promise.all([
      all('ListApplications', { filters: { isArchived: false } }),
      all('ListWaves', { filters: { isArchived: false } }),
      all('DescribeSourceServers', { filters: { isArchived: false } }),
    ]);
    return { applications, waves, servers };
  }, [], 5000);
  const [wave, setWave] = useState([]);
  const applications = data?.applications || [];
  const servers = data?.servers || [];
  const serversOf = (appIds) => servers.filter((s) => appIds.includes(s.applicationID));
  const appsOfWave = (w) => applications.filter((a) => a.waveID === w.waveID).map((a) => a.applicationID);
  const waveServers = wave.length ? serversOf(appsOfWave(wave[0])) : [];
  return (
    <SpaceBetween size="l">
      <Table
        header={
          <Header
            variant="h1"
            counter={`(${(data?.waves || []).length})`}
            description="Select a wave to act on all the servers of its applications at once"
            actions={<ActionMenus selected={waveServers} onDone={({ action }) => { notify({ type: 'success', header: `${action.label}: requested for the wave` }); refresh(); }} />}
          >
            Waves
          </Header>
        }
        selectionType="single"
        selectedItems={wave}
        onSelectionChange={(e) => setWave(e.detail.selectedItems)}
        trackBy="waveID"
        ariaLabels={{ itemSelectionLabel: (_, w) => `Select wave ${w.name}`, selectionGroupLabel: 'Waves' }}
        items={data?.waves || []}
        loading={!data}
        empty={<Box textAlign="center">No waves (CreateWave, or liftshift's CLI)</Box>}
        columnDefinitions={[
          { id: 'name', header: 'Wave', cell: (w) => w.name, isRowHeader: true },
          { id: 'desc', header: 'Description', cell: (w) => w.description || '-' },
          { id: 'apps', header: 'Applications', cell: (w) => appsOfWave(w).length },
          { id: 'servers', header: 'Source servers', cell: (w) => serversOf(appsOfWave(w)).length },
        ]}
      />
      <Table
        header={<Header variant="h2" counter={`(${applications.length})`}>Applications</Header>}
        items={applications}
        loading={!data}
        empty={<Box textAlign="center">No applications</Box>}
        columnDefinitions={[
          { id: 'name', header: 'Application', cell: (a) => a.name, isRowHeader: true },
          { id: 'wave', header: 'Wave', cell: (a) => (data?.waves || []).find((w) => w.waveID === a.waveID)?.name || '-' },
          { id: 'servers', header: 'Source servers', cell: (a) => serversOf([a.applicationID]).length },
          { id: 'desc', header: 'Description', cell: (a) => a.description || '-' },
        ]}
      />
    </SpaceBetween>
  );
}
