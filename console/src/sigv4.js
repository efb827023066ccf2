// AWS Signature Version 4 in the browser (WebCrypto), as the CLI and SDKs sign the MGN API.
// The secret is only ever an argument here: it lives in the api module's memory, never in storage.
const enc = new TextEncoder();

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(text) {
  return hex(await crypto.subtle.digest('SHA-256', enc.encode(text)));
}

async function hmac(key, message) {
  const k = await crypto.subtle.importKey(
    'raw',
    typeof key === 'string' ? enc.encode(key) : key,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return crypto.subtle.sign('HMAC', k, enc.encode(message));
}

// RFC 3986 unreserved characters stay; everything else is percent-encoded, as SigV4 wants.
export function uriEncode(s) {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function amzDate(now) {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Headers that sign {method} {path}?{query} with {body} for service "mgn".
 * path is the request path as sent (segments already encoded); services other than S3 sign it
 * encoded twice.
 */
export async function sign({ method, path, query = '', body, host, region, accessKeyId, secretAccessKey, now = new Date() }) {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const canonicalPath = path
    .split('/')
    .map((seg) => uriEncode(seg))
    .join('/');
  const canonicalQuery = query
    ? query
        .split('&')
        .map((kv) => kv.split('=').map((p) => uriEncode(decodeURIComponent(p))))
        .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
        .map(([k, v = '']) => `${k}=${v}`)
        .join('&')
    : '';
  const payloadHash = await sha256Hex(body || '');
  const signedHeaders = 'host;x-amz-date';
  const canonical = [method, canonicalPath, canonicalQuery, `host:${host}`, `x-amz-date:${date}`, '', signedHeaders, payloadHash].join('\n');
  const scope = `${day}/${region}/mgn/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, await sha256Hex(canonical)].join('\n');
  let key = await hmac('AWS4' + secretAccessKey, day);
  key = await hmac(key, region);
  key = await hmac(key, 'mgn');
  key = await hmac(key, 'aws4_request');
  const signature = hex(await hmac(key, toSign));
  return {
    'x-amz-date': date,
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
