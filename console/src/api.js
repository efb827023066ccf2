// The console's only way to the control plane: the MGN API, signed with SigV4 like the CLI.
// The access key lives in this module's memory only (never a cookie, localStorage or sessionStorage):
// a reload, a sign-out or SESSION_IDLE_MILLIS without activity forgets it.
import { sign, uriEncode } from './sigv4.js';

export const SESSION_IDLE_MILLIS = 30 * 60 * 1000;

let credentials = null;
let lastUse = 0;
const listeners = new Set();
let reachable = true;

export class ApiError extends Error {
  constructor(type, message, status) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify() {
  listeners.forEach((l) => l({ signedIn: credentials !== null, reachable }));
}

export function state() {
  return { signedIn: credentials !== null, reachable, accessKeyId: credentials?.accessKeyId };
}

export function signOut() {
  credentials = null;
  notify();
}

/** Keeps the key only if the API accepts it; otherwise throws the API's own error. */
export async function signIn({ accessKeyId, secretAccessKey, region }) {
  const candidate = { accessKeyId: accessKeyId.trim(), secretAccessKey: secretAccessKey.trim(), region: region.trim() || 'us-east-1' };
  await request(candidate, 'POST', '/ListManagedAccounts', '', {});
  credentials = candidate;
  lastUse = Date.now();
  notify();
}

async function request(creds, method, path, query, body) {
  const text = method === 'GET' || method === 'DELETE' ? '' : JSON.stringify(body ?? {});
  const headers = await sign({ method, path, query, body: text, host: window.location.host, ...creds });
  let response;
  try {
    response = await fetch(path + (query ? '?' + query : ''), {
      method,
      headers: { ...headers, 'content-type': 'application/json' },
      body: text || undefined,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    if (reachable) {
      reachable = false;
      notify();
    }
    throw new ApiError('Unreachable', 'the control plane is unreachable: ' + e.message, 0);
  }
  if (!reachable) {
    reachable = true;
    notify();
  }
  const answer = await response.text();
  const json = answer ? safeJson(answer) : {};
  if (!response.ok) {
    const type = response.headers.get('x-amzn-ErrorType') || json.__type || 'Error';
    throw new ApiError(type.split(':')[0], json.message || json.Message || `HTTP ${response.status}`, response.status);
  }
  return json;
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

function current() {
  if (credentials && Date.now() - lastUse > SESSION_IDLE_MILLIS) {
    credentials = null;
    notify();
  }
  if (!credentials) {
    throw new ApiError('SignedOut', 'signed out', 0);
  }
  return credentials;
}

/** Records that the operator did something, so the idle sign-out counts from here. */
export function touch() {
  if (credentials) lastUse = Date.now();
}

/** POST /<operation> with a JSON body, as every MGN operation but the tagging ones. */
export function call(operation, body = {}) {
  return request(current(), 'POST', '/' + operation, '', body);
}

export function listTags(arn) {
  return request(current(), 'GET', '/tags/' + uriEncode(arn), '', null);
}

/** liftshift's own read API (beside MGN's): the fleet, each replication server's disks, the need. */
export function replicationServers() {
  return request(current(), 'GET', '/liftshift/v1/replication-servers', '', null);
}

/** A source server's lag and backlog, one sample per 10 s over the last hour, oldest first. */
export function lagHistory(sourceServerID) {
  return request(current(), 'GET', '/liftshift/v1/lag-history', 'sourceServerID=' + uriEncode(sourceServerID), null);
}

/** Every page of a paginated list operation. */
export async function all(operation, body = {}) {
  const items = [];
  let nextToken;
  do {
    const page = await call(operation, nextToken ? { ...body, nextToken } : body);
    items.push(...(page.items || []));
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}
