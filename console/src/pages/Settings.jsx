import { useEffect, useState } from 'react';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import Toggle from '@cloudscape-design/components/toggle';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import { call } from '../api.js';

/** A settings editor over Get/Update{kind}Configuration: shows the values, edits the listed ones. */
function SettingsEditor({ id, title, get, update, fields, facts = () => [], notify }) {
  const [config, setConfig] = useState(null);
  const [draft, setDraft] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const load = () =>
    call(get, { sourceServerID: id }).then(
      (c) => setConfig(c),
      (e) => setError(e.message),
    );
  useEffect(() => {
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);
  if (!config) return error ? <Alert type="error">{error}</Alert> : <Box>Loading</Box>;
  const value = (f) => (draft ?? config)[f.key];
  const set = (f, v) => setDraft({ ...(draft ?? config), [f.key]: v });
  const save = async () => {
    setBusy(true);
    setError(null);
    const changes = { sourceServerID: id };
    fields.forEach((f) => {
      if (draft[f.key] !== config[f.key] && draft[f.key] !== undefined) changes[f.key] = f.type === 'number' ? Number(draft[f.key]) : draft[f.key];
    });
    try {
      setConfig(await call(update, changes));
      setDraft(null);
      notify({ type: 'success', header: `${title} saved` });
    } catch (e) {
      setError(`${e.type}: ${e.message}`);
    }
    setBusy(false);
  };
  const shown = (f) => {
    const v = config[f.key];
    if (f.type === 'toggle') return v ? 'Yes' : 'No';
    return v === undefined || v === null || v === '' ? '-' : String(v);
  };
  return (
    <Container
      header={
        <Header variant="h2" actions={!draft && <Button onClick={() => setDraft({ ...config })}>Edit</Button>}>
          {title}
        </Header>
      }
    >
      {!draft ? (
        <KeyValuePairs columns={3} items={[...fields.map((f) => ({ label: f.label, value: <span data-setting={f.key}>{shown(f)}</span> })), ...facts(config)]} />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <Form
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="link" formAction="none" onClick={() => setDraft(null)}>
                  Cancel
                </Button>
                <Button variant="primary" loading={busy} formAction="submit">
                  Save
                </Button>
              </SpaceBetween>
            }
            errorText={error}
          >
            <ColumnLayout columns={2}>
              {fields.map((f) => (
                <FormField key={f.key} label={f.label} description={f.description}>
                  {f.type === 'toggle' ? (
                    <Toggle checked={!!value(f)} onChange={(e) => set(f, e.detail.checked)}>
                      {f.label}
                    </Toggle>
                  ) : f.options ? (
                    <Select
                      selectedOption={{ value: value(f), label: value(f) }}
                      options={f.options.map((o) => ({ value: o, label: o }))}
                      onChange={(e) => set(f, e.detail.selectedOption.value)}
                      ariaLabel={f.label}
                      data-setting={f.key}
                    />
                  ) : (
                    <Input value={value(f) === undefined || value(f) === null ? '' : String(value(f))} type={f.type === 'number' ? 'number' : 'text'} onChange={(e) => set(f, e.detail.value)} ariaLabel={f.label} />
                  )}
                </FormField>
              ))}
            </ColumnLayout>
          </Form>
        </form>
      )}
    </Container>
  );
}

export function ReplicationSettings({ id, notify }) {
  return (
    <SettingsEditor
      id={id}
      notify={notify}
      title="Replication settings"
      get="GetReplicationConfiguration"
      update="UpdateReplicationConfiguration"
      fields={[
        { key: 'bandwidthThrottling', label: 'Bandwidth throttling (Mbps)', type: 'number', description: '0: no throttle. The agent applies a change within seconds, without reconnecting.' },
        { key: 'replicationServerInstanceType', label: 'Replication server instance type' },
        { key: 'defaultLargeStagingDiskType', label: 'Staging disk type', options: ['GP2', 'GP3', 'ST1', 'AUTO'] },
        { key: 'dataPlaneRouting', label: 'Data routing', options: ['PRIVATE_IP', 'PUBLIC_IP'] },
        { key: 'useDedicatedReplicationServer', label: 'Dedicated replication server', type: 'toggle' },
        { key: 'createPublicIP', label: 'Create public IP', type: 'toggle' },
      ]}
      facts={(c) => [{ label: 'Replicated disks', value: (c.replicatedDisks || []).map((d) => d.deviceName).join(', ') || '-' }]}
    />
  );
}

export function LaunchSettings({ id, notify }) {
  return (
    <SettingsEditor
      id={id}
      notify={notify}
      title="Launch settings"
      get="GetLaunchConfiguration"
      update="UpdateLaunchConfiguration"
      fields={[
        { key: 'launchDisposition', label: 'Instance launch state', options: ['STARTED', 'STOPPED'] },
        { key: 'targetInstanceTypeRightSizingMethod', label: 'Instance type right-sizing', options: ['NONE', 'BASIC', 'IN_AWS'] },
        { key: 'bootMode', label: 'Boot mode', options: ['USE_SOURCE', 'LEGACY_BIOS', 'UEFI'] },
        { key: 'copyPrivateIp', label: 'Copy private IP', type: 'toggle' },
        { key: 'copyTags', label: 'Transfer server tags', type: 'toggle' },
      ]}
      facts={(c) => [
        { label: 'Launch template', value: c.ec2LaunchTemplateID || '-' },
        { label: 'Name', value: c.name || '-' },
      ]}
    />
  );
}
