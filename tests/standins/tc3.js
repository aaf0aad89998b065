// TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0
// (PROTOCOLS.md §3.2). Used by sms.js to recompute a client's signature and by
// selftest.js to sign requests; it is checked against vectors v5 and v5b.
//
// Header values are trimmed and lower-cased as Tencent's documentation says
// ("头部 key 和 value 统一转成小写"); for the headers that are signed in
// practice (content-type, host, x-tc-action) that is exactly what the SDKs send.
'use strict';

const crypto = require('crypto');

const ALGORITHM = 'TC3-HMAC-SHA256';

const sha256Hex = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

// The credential scope uses the UTC date of the timestamp, not the local date:
// a request signed just after midnight in Beijing still carries yesterday's date.
function utcDate(timestamp) {
  return new Date(Number(timestamp) * 1000).toISOString().slice(0, 10);
}

// headers: { lower-case name: value }; signedHeaders: lower-case names, sorted.
function canonicalRequest({ method = 'POST', path = '/', query = '', headers, signedHeaders, payload }) {
  const canonicalHeaders = signedHeaders
    .map((h) => `${h}:${String(headers[h] === undefined ? '' : headers[h]).trim().toLowerCase()}\n`)
    .join('');
  return [method, path, query, canonicalHeaders, signedHeaders.join(';'), sha256Hex(payload)].join('\n');
}

function stringToSign(timestamp, service, canonical) {
  return [ALGORITHM, String(timestamp), `${utcDate(timestamp)}/${service}/tc3_request`, sha256Hex(canonical)].join('\n');
}

function signature(secretKey, timestamp, service, toSign) {
  const kDate = hmac('TC3' + secretKey, utcDate(timestamp));
  const kService = hmac(kDate, service);
  const kSigning = hmac(kService, 'tc3_request');
  return crypto.createHmac('sha256', kSigning).update(toSign).digest('hex');
}

// Signs a request. `headers` may use any case; `signedHeaders` defaults to the
// SDK style (content-type;host). Returns every intermediate so tests can compare
// each step with the vectors.
function sign({ secretId, secretKey, service = 'sms', timestamp, method = 'POST', path = '/', query = '', headers, signedHeaders, payload }) {
  const lower = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const names = (signedHeaders || ['content-type', 'host']).map((h) => h.toLowerCase()).sort();
  const canonical = canonicalRequest({ method, path, query, headers: lower, signedHeaders: names, payload });
  const sts = stringToSign(timestamp, service, canonical);
  const sig = signature(secretKey, timestamp, service, sts);
  const date = utcDate(timestamp);
  const authorization =
    `${ALGORITHM} Credential=${secretId}/${date}/${service}/tc3_request, ` +
    `SignedHeaders=${names.join(';')}, Signature=${sig}`;
  return { date, canonicalRequest: canonical, stringToSign: sts, signature: sig, authorization };
}

// Splits an Authorization header into its parts; null when it is not a
// well-formed TC3 header (the caller answers AuthFailure.InvalidAuthorization).
function parseAuthorization(value) {
  if (typeof value !== 'string' || !value.startsWith(ALGORITHM + ' ')) return null;
  const parts = {};
  for (const piece of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = piece.indexOf('=');
    if (eq < 0) return null;
    parts[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  if (!parts.Credential || !parts.SignedHeaders || !parts.Signature) return null;
  const scope = parts.Credential.split('/');
  if (scope.length !== 4) return null;
  return {
    secretId: scope[0],
    date: scope[1],
    service: scope[2],
    terminator: scope[3],
    signedHeaders: parts.SignedHeaders.split(';'),
    signature: parts.Signature,
  };
}

module.exports = { sign, canonicalRequest, stringToSign, signature, parseAuthorization, utcDate, sha256Hex };
