import { useMemo, useState } from 'react';
import Table from '@cloudscape-design/components/table';
import Header from '@cloudscape-design/components/header';
import TextFilter from '@cloudscape-design/components/text-filter';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Link from '@cloudscape-design/components/link';
import Box from '@cloudscape-design/components/box';
import Toggle from '@cloudscape-design/components/toggle';
import { useCollection } from '@cloudscape-design/collection-hooks';
import { all } from '../api.js';
import { usePoll } from '../poll.js';
import { ActionMenus } from '../actions.jsx';
import * as m from '../migration.js';

const ANY = { value: '', label: 'Any' };

export function ProgressCell({ server }) {
  const pct = m.syncPercent(server);
  const rep = m.replication(server);
  if (pct === null) return '-';
  if (rep === 'INITIAL_SYNC' || rep === 'RESCAN' || rep === 'INITIATING' || pct < 100) {
    return <ProgressBar value={pct} ariaLabel={`Initial sync of ${m.hostname(server)}`} additionalInfo={m.REPLICATION_LABELS[rep] || rep} />;
  }
  return <StatusIndicator type="success">Synced</StatusIndicator>;
}

export default function SourceServers({ notify }) {
  const [archived, setArchived] = useState(false);
  const { data, error, refresh } = usePoll(
    async () => {
      const [servers, applications, waves] = await Promise.all([
        all('DescribeSourceServers', { filters: { isArchived: archived } }),
        all('ListApplications', { filters: { isArchived: false } }),
        all('ListWaves', { filters: { isArchived: false } }),
      ]);
      return { servers, applications, waves };
    },
    [archived],
  );
  const [lifeFilter, setLifeFilter] = useState(ANY);
  const [repFilter, setRepFilter] = useState(ANY);
  const [appFilter, setAppFilter] = useState(ANY);
  const [waveFilter, setWaveFilter] = useState(ANY);
  const servers = data?.servers || [];
  const applications = data?.applications || [];
  const waves = data?.waves || [];
  const appsOfWave = useMemo(() => {
    const map = {};
    applications.forEach((a) => a.waveID && (map[a.waveID] = [...(map[a.waveID] || []), a.applicationID]));
    return map;
  }, [applications]);
  const appName = (id) => applications.find((a) => a.applicationID === id)?.name || id || '-';
  const filtered = servers.filter(
    (s) =>
      (!lifeFilter.value || m.lifecycle(s) === lifeFilter.value) &&
      (!repFilter.value || m.replication(s) === repFilter.value) &&
      (!appFilter.value || s.applicationID === appFilter.value) &&
      (!waveFilter.value || (appsOfWave[waveFilter.value] || []).includes(s.applicationID)),
  );
  const { items, collectionProps, filterProps, filteredItemsCount } = useCollection(filtered, {
    filtering: {
      filteringFunction: (s, text) => {
        const t = text.toLowerCase();
        return [m.hostname(s), s.sourceServerID, m.os(s), appName(s.applicationID)].some((v) => String(v).toLowerCase().includes(t));
      },
      empty: <Box textAlign="center">No source servers yet: install the agent on one (liftshift agent install).</Box>,
      noMatch: <Box textAlign="center">No source server matches.</Box>,
    },
    sorting: { defaultState: { sortingColumn: { sortingField: 'hostname' } } },
    selection: { keepSelection: true, trackBy: 'sourceServerID' },
  });
  const selected = (collectionProps.selectedItems || []).map((sel) => servers.find((s) => s.sourceServerID === sel.sourceServerID) || sel);
  const option = (labels) => [ANY, ...Object.entries(labels).map(([value, label]) => ({ value, label }))];
  return (
    <Table
      {...collectionProps}
      selectionType="multi"
      variant="full-page"
      stickyHeader
      resizableColumns
      wrapLines
      loading={!data && !error}
      loadingText="Loading source servers"
      ariaLabels={{
        selectionGroupLabel: 'Source server selection',
        itemSelectionLabel: (_, s) => `Select ${m.hostname(s)}`,
        allItemsSelectionLabel: () => 'Select all source servers',
      }}
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={`(${servers.length})`}
          description="Servers whose agent registered with this control plane. Refreshed every 2 seconds."
          actions={
            <ActionMenus
              selected={selected}
              onDone={({ action, answer }) => {
                notify({ type: 'success', header: `${action.label}: requested`, content: answer?.job ? `Job ${answer.job.jobID}` : undefined });
                refresh();
              }}
            />
          }
        >
          Source servers
        </Header>
      }
      filter={
        <SpaceBetween direction="horizontal" size="xs" alignItems="end">
          <TextFilter {...filterProps} filteringPlaceholder="Find servers by hostname, id, OS or application" filteringAriaLabel="Find source servers" countText={`${filteredItemsCount} matches`} />
          <Select selectedOption={lifeFilter} onChange={(e) => setLifeFilter(e.detail.selectedOption)} options={option(m.LIFECYCLE_LABELS)} inlineLabelText="Lifecycle" ariaLabel="Filter by lifecycle state" />
          <Select selectedOption={repFilter} onChange={(e) => setRepFilter(e.detail.selectedOption)} options={option(m.REPLICATION_LABELS)} inlineLabelText="Replication" ariaLabel="Filter by data replication state" />
          <Select selectedOption={appFilter} onChange={(e) => setAppFilter(e.detail.selectedOption)} options={[ANY, ...applications.map((a) => ({ value: a.applicationID, label: a.name }))]} inlineLabelText="Application" ariaLabel="Filter by application" />
          <Select selectedOption={waveFilter} onChange={(e) => setWaveFilter(e.detail.selectedOption)} options={[ANY, ...waves.map((w) => ({ value: w.waveID, label: w.name }))]} inlineLabelText="Wave" ariaLabel="Filter by wave" />
          <Toggle checked={archived} onChange={(e) => setArchived(e.detail.checked)}>
            Archived
          </Toggle>
        </SpaceBetween>
      }
      items={items}
      columnDefinitions={[
        { id: 'hostname', header: 'Hostname', sortingField: 'hostname', sortingComparator: (a, b) => m.hostname(a).localeCompare(m.hostname(b)), cell: (s) => <Link href={`#/servers/${encodeURIComponent(s.sourceServerID)}`}>{m.hostname(s)}</Link>, isRowHeader: true },
        { id: 'os', header: 'OS', cell: (s) => m.os(s) },
        { id: 'lifecycle', header: 'Migration lifecycle', cell: (s) => <span className="lifecycle">{m.LIFECYCLE_LABELS[m.lifecycle(s)] || m.lifecycle(s)}</span> },
        { id: 'replication', header: 'Data replication status', cell: (s) => <StatusIndicator type={m.replicationIndicator(m.replication(s))}><span className="replication">{m.REPLICATION_LABELS[m.replication(s)] || m.replication(s)}</span></StatusIndicator> },
        { id: 'progress', header: 'Initial sync', minWidth: 160, cell: (s) => <ProgressCell server={s} /> },
        { id: 'lag', header: 'Lag', cell: (s) => m.formatSeconds(m.lagSeconds(s)) },
        { id: 'backlog', header: 'Backlog', cell: (s) => m.formatBytes(m.backlogBytes(s)) },
        { id: 'eta', header: 'ETA', cell: (s) => m.eta(s) },
        { id: 'next', header: 'Next step', cell: (s) => m.nextStep(s) },
        { id: 'application', header: 'Application', cell: (s) => appName(s.applicationID) },
        { id: 'alerts', header: 'Alerts', cell: (s) => m.alerts(s).map((a) => <StatusIndicator key={a} type="warning">{a}</StatusIndicator>) },
      ]}
    />
  );
}
