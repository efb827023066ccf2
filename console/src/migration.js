// MGN's vocabulary: what a source server's state means, what comes next, what needs attention.

export const LIFECYCLE_STEPS = [
  ['NOT_READY', 'Not ready'],
  ['READY_FOR_TEST', 'Ready for testing'],
  ['TESTING', 'Test in progress'],
  ['READY_FOR_CUTOVER', 'Ready for cutover'],
  ['CUTTING_OVER', 'Cutover in progress'],
  ['CUTOVER', 'Cutover complete'],
];

export const LIFECYCLE_LABELS = Object.fromEntries([
  ...LIFECYCLE_STEPS,
  ['DISCONNECTED', 'Disconnected'],
  ['STOPPED', 'Stopped'],
  ['DISCOVERED', 'Discovered'],
  ['PENDING_INSTALLATION', 'Pending installation'],
]);

export const REPLICATION_LABELS = {
  STOPPED: 'Stopped',
  INITIATING: 'Initiating',
  INITIAL_SYNC: 'Initial sync',
  BACKLOG: 'Backlog',
  CREATING_SNAPSHOT: 'Creating snapshot',
  CONTINUOUS: 'Healthy',
  PAUSED: 'Paused',
  RESCAN: 'Rescanning',
  STALLED: 'Stalled',
  DISCONNECTED: 'Disconnected',
};

export function hostname(s) {
  const h = s.sourceProperties?.identificationHints || {};
  return h.hostname || h.fqdn || s.sourceServerID;
}

export function os(s) {
  return s.sourceProperties?.os?.fullString || '-';
}

export function lifecycle(s) {
  return s.lifeCycle?.state || 'NOT_READY';
}

export function replication(s) {
  return s.dataReplicationInfo?.dataReplicationState || 'STOPPED';
}

export function disks(s) {
  return s.dataReplicationInfo?.replicatedDisks || [];
}

/** Initial sync progress in percent (0..100), or null when there is nothing to measure. */
export function syncPercent(s) {
  const d = disks(s);
  const total = d.reduce((a, x) => a + (x.totalStorageBytes || 0), 0);
  if (!total) return null;
  const done = d.reduce((a, x) => a + (x.replicatedStorageBytes || 0), 0);
  return Math.min(100, Math.floor((100 * done) / total));
}

export function backlogBytes(s) {
  return disks(s).reduce((a, x) => a + (x.backloggedStorageBytes || 0), 0);
}

/** ISO-8601 duration (PT1H2M3.5S) to seconds; null when absent. */
export function seconds(duration) {
  if (!duration) return null;
  const m = /^P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(duration);
  if (!m) return null;
  return (+m[1] || 0) * 86400 + (+m[2] || 0) * 3600 + (+m[3] || 0) * 60 + (+m[4] || 0);
}

export function lagSeconds(s) {
  return seconds(s.dataReplicationInfo?.lagDuration);
}

export function formatSeconds(v) {
  if (v === null || v === undefined) return '-';
  if (v < 60) return `${Math.round(v)} s`;
  if (v < 3600) return `${Math.floor(v / 60)} min ${Math.round(v % 60)} s`;
  return `${Math.floor(v / 3600)} h ${Math.floor((v % 3600) / 60)} min`;
}

export function formatBytes(b) {
  if (b === null || b === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function eta(s) {
  const at = s.dataReplicationInfo?.etaDateTime;
  if (!at) return '-';
  const left = (Date.parse(at) - Date.now()) / 1000;
  return left > 0 ? formatSeconds(left) : 'now';
}

export function formatTime(iso) {
  return iso ? new Date(iso).toLocaleString() : '-';
}

/** MGN's "next step" for a server, from its lifecycle and replication state. */
export function nextStep(s) {
  const life = lifecycle(s);
  const rep = replication(s);
  if (s.isArchived) return 'Archived';
  switch (life) {
    case 'NOT_READY':
      return rep === 'STALLED' ? 'Fix the stalled replication' : 'Wait for the initial sync to complete';
    case 'READY_FOR_TEST':
      return 'Launch a test instance';
    case 'TESTING':
      return 'Mark as ready for cutover';
    case 'READY_FOR_CUTOVER':
      return 'Launch the cutover instance';
    case 'CUTTING_OVER':
      return 'Finalize the cutover';
    case 'CUTOVER':
      return 'Archive';
    case 'DISCONNECTED':
      return 'Archive';
    default:
      return '-';
  }
}

export const LAG_ALERT_SECONDS = 300;

/** Alerts as MGN raises them: stalled, lagging, not converging, replication errors. */
export function alerts(s) {
  const out = [];
  const rep = replication(s);
  if (rep === 'STALLED') out.push('Stalled');
  const lag = lagSeconds(s);
  if (lag !== null && lag > LAG_ALERT_SECONDS) out.push('Lagging');
  const ls = s.liftshift || {};
  if (
    (rep === 'BACKLOG' || rep === 'CONTINUOUS') &&
    backlogBytes(s) > 0 &&
    ls.writeRateBytesPerSecond > 0 &&
    ls.throughputBytesPerSecond >= 0 &&
    ls.writeRateBytesPerSecond > ls.throughputBytesPerSecond
  )
    out.push('Not converging');
  const err = s.dataReplicationInfo?.dataReplicationError?.error;
  if (err) out.push(err);
  return out;
}

export function replicationIndicator(state) {
  switch (state) {
    case 'CONTINUOUS':
      return 'success';
    case 'STALLED':
    case 'DISCONNECTED':
      return 'error';
    case 'PAUSED':
    case 'STOPPED':
      return 'stopped';
    case 'INITIAL_SYNC':
    case 'RESCAN':
    case 'BACKLOG':
    case 'CREATING_SNAPSHOT':
      return 'in-progress';
    default:
      return 'pending';
  }
}
