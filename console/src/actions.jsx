// The "Test and cutover" and "Replication" actions, each with a confirmation that says what will
// happen, run through the MGN API exactly as the CLI runs them.
import { useState } from 'react';
import Modal from '@cloudscape-design/components/modal';
import Box from '@cloudscape-design/components/box';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Button from '@cloudscape-design/components/button';
import Alert from '@cloudscape-design/components/alert';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import { call } from './api.js';
import { hostname } from './migration.js';

const each = (op, extra = {}) => async (servers) => {
  for (const s of servers) await call(op, { sourceServerID: s.sourceServerID, ...extra });
};

export const ACTIONS = {
  startTest: {
    label: 'Launch test instances',
    confirm: 'Start test',
    says: 'launches a test instance of each server from its latest point-in-time snapshot. Replication goes on; the source servers are not touched.',
    run: (servers) => call('StartTest', { sourceServerIDs: servers.map((s) => s.sourceServerID) }),
  },
  markReadyForCutover: {
    label: 'Mark as "Ready for cutover"',
    confirm: 'Mark as ready for cutover',
    says: 'moves each server to READY_FOR_CUTOVER: its testing is done. Its test instance keeps running until the cutover or a terminate.',
    run: each('ChangeServerLifeCycleState', { lifeCycle: { state: 'READY_FOR_CUTOVER' } }),
  },
  startCutover: {
    label: 'Launch cutover instances',
    confirm: 'Start cutover',
    says: 'launches the cutover instance of each server from its latest snapshot. Stop writes on the source first if you want none lost; replication goes on until you finalize.',
    options: true,
    run: (servers, options = {}) => {
      const tags = {};
      if (options.skipTestReason) tags['liftshift:skip-test-reason'] = options.skipTestReason;
      if (options.promoteTestInstance) tags['liftshift:promote-test-instance'] = 'true';
      return call('StartCutover', { sourceServerIDs: servers.map((s) => s.sourceServerID), ...(Object.keys(tags).length ? { tags } : {}) });
    },
  },
  finalize: {
    label: 'Finalize cutover',
    confirm: 'Finalize',
    says: 'marks each cutover complete: replication stops and the replication server deletes the staging volumes and snapshots. This cannot be undone.',
    run: each('FinalizeCutover'),
  },
  revert: {
    label: 'Revert to "Ready for testing"',
    confirm: 'Revert',
    says: 'moves each server back to READY_FOR_TEST, so that it can be tested again. Launched instances are not terminated.',
    run: each('ChangeServerLifeCycleState', { lifeCycle: { state: 'READY_FOR_TEST' } }),
  },
  pause: {
    label: 'Pause data replication',
    confirm: 'Pause',
    says: 'pauses replication: the agent stops sending and keeps tracking changes, so a resume sends only what changed. Lag grows while paused.',
    run: each('PauseReplication'),
  },
  resume: {
    label: 'Resume data replication',
    confirm: 'Resume',
    says: 'resumes replication: the agent sends the changes it tracked while paused.',
    run: each('ResumeReplication'),
  },
  disconnect: {
    label: 'Disconnect from service',
    confirm: 'Disconnect',
    says: 'disconnects each server: its agent stops and uninstalls itself, and the replication server deletes its staging volumes and snapshots. Replicated data is lost.',
    run: each('DisconnectFromService'),
  },
  archive: {
    label: 'Mark as archived',
    confirm: 'Archive',
    says: 'archives each server (only disconnected or cut-over servers): it leaves the default list.',
    run: each('MarkAsArchived'),
  },
};

export const TEST_AND_CUTOVER = ['startTest', 'markReadyForCutover', 'startCutover', 'finalize', 'revert'];
export const REPLICATION = ['pause', 'resume'];
export const OTHER = ['disconnect', 'archive'];

/** The action menus and their confirmation, for the given selection of servers. */
export function ActionMenus({ selected, onDone }) {
  const [pending, setPending] = useState(null);
  const disabled = selected.length === 0;
  const items = (ids) => ids.map((id) => ({ id, text: ACTIONS[id].label, disabled }));
  return (
    <>
      <SpaceBetween direction="horizontal" size="xs">
        <ButtonDropdown items={items(REPLICATION)} onItemClick={(e) => setPending(e.detail.id)} disabled={disabled} ariaLabel="Replication">
          Replication
        </ButtonDropdown>
        <ButtonDropdown items={items(TEST_AND_CUTOVER)} onItemClick={(e) => setPending(e.detail.id)} disabled={disabled} ariaLabel="Test and cutover">
          Test and cutover
        </ButtonDropdown>
        <ButtonDropdown items={items(OTHER)} onItemClick={(e) => setPending(e.detail.id)} disabled={disabled} ariaLabel="Actions">
          Actions
        </ButtonDropdown>
      </SpaceBetween>
      {pending && (
        <Confirm
          action={ACTIONS[pending]}
          servers={selected}
          onClose={(result) => {
            setPending(null);
            if (result) onDone(result);
          }}
        />
      )}
    </>
  );
}

function Confirm({ action, servers, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [skipTestReason, setSkipTestReason] = useState('');
  const [promoteTestInstance, setPromoteTestInstance] = useState(false);
  const names = servers.map(hostname).join(', ');
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await action.run(servers, { skipTestReason: skipTestReason.trim(), promoteTestInstance });
      onClose({ action, answer, servers });
    } catch (e) {
      setError(e.message);
      setBusy(false);
    }
  };
  return (
    <Modal
      visible
      onDismiss={() => onClose(null)}
      header={`${action.label}?`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={() => onClose(null)}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} onClick={go}>
              {action.confirm}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>
          {servers.length === 1 ? 'This ' : `These ${servers.length} servers: `}
          {servers.length === 1 ? <b>{names}</b> : <b>{names}</b>}. {servers.length === 1 ? 'It ' : ''}
          {action.says}
        </Box>
        {action.options && (
          <SpaceBetween size="s">
            <FormField label="Skip the test (reason)" description="Cut over a server still ready for testing; the reason is written into the job's log.">
              <Input value={skipTestReason} onChange={(e) => setSkipTestReason(e.detail.value)} ariaLabel="Skip-test reason" />
            </FormField>
            <Checkbox checked={promoteTestInstance} onChange={(e) => setPromoteTestInstance(e.detail.checked)}>
              Promote the running test instance to the cutover instance (no new launch; changes since the test's snapshot are not on it)
            </Checkbox>
          </SpaceBetween>
        )}
        {error && (
          <Alert type="error" header="The control plane refused">
            {error}
          </Alert>
        )}
      </SpaceBetween>
    </Modal>
  );
}
