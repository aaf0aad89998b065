// WeChat Pay API v3 cryptography (PROTOCOLS.md §2.1, §2.2, §2.5): the request
// signature a merchant sends, the answer/notification signature WeChat Pay
// sends back, and the AES-256-GCM envelope of notifications. wechat.js uses it
// to play WeChat Pay; selftest.js uses the same functions to play the merchant,
// and checks them against the vectors (v1, v2, v4) so that both sides are not
// merely agreeing with each other.
'use strict';

const crypto = require('crypto');

const SCHEME = 'WECHATPAY2-SHA256-RSA2048';
const AUTH_FIELDS = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'];

// The last line ends in \n too, also when the body is empty (GET, 204).
const requestMessage = (method, url, timestamp, nonce, body) =>
  `${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;
const responseMessage = (timestamp, nonce, body) => `${timestamp}\n${nonce}\n${body}\n`;

const rsaSign = (privateKeyPem, message) =>
  crypto.createSign('RSA-SHA256').update(message).sign(privateKeyPem, 'base64');

// A malformed key or signature is a failed verification, never an exception:
// callers turn `false` into the protocol's refusal.
function rsaVerify(publicKeyPem, message, signatureB64) {
  try {
    return crypto.createVerify('RSA-SHA256').update(message).verify(publicKeyPem, String(signatureB64), 'base64');
  } catch (e) {
    return false;
  }
}

const nonceHex = () => crypto.randomBytes(16).toString('hex').toUpperCase();

// Letters and digits only, like WeChat Pay's own nonces: the notification
// nonce doubles as the 12-byte GCM IV, so its length is fixed.
function nonceAlnum(len) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(len);
  let s = '';
  for (let i = 0; i < len; i++) s += abc[bytes[i] % abc.length];
  return s;
}

// Builds the merchant's Authorization header for a request.
function authorization({ mchid, serialNo, privateKeyPem, method, url, body = '', timestamp, nonce }) {
  const ts = timestamp || Math.floor(Date.now() / 1000);
  const n = nonce || nonceHex();
  const sig = rsaSign(privateKeyPem, requestMessage(method, url, ts, n, body));
  return `${SCHEME} mchid="${mchid}",nonce_str="${n}",signature="${sig}",timestamp="${ts}",serial_no="${serialNo}"`;
}

// Parses the Authorization header. Field order is free, but each of the five
// fields must appear exactly once and nothing else may be there; null otherwise.
function parseAuthorization(header) {
  if (typeof header !== 'string' || !header.startsWith(SCHEME + ' ')) return null;
  const rest = header.slice(SCHEME.length + 1).trim();
  const pair = '\\s*[a-z_]+="[^"]*"\\s*';
  if (!new RegExp(`^${pair}(,${pair})*$`).test(rest)) return null;
  const out = {};
  for (const m of rest.matchAll(/([a-z_]+)="([^"]*)"/g)) {
    if (!AUTH_FIELDS.includes(m[1]) || m[1] in out) return null;
    out[m[1]] = m[2];
  }
  return AUTH_FIELDS.every((f) => f in out) ? out : null;
}

// Headers that WeChat Pay puts on every answer and notification.
function signedHeaders(privateKeyPem, serial, body) {
  const ts = Math.floor(Date.now() / 1000);
  const nonce = nonceHex();
  return {
    'Wechatpay-Timestamp': String(ts),
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': rsaSign(privateKeyPem, responseMessage(ts, nonce, body)),
    'Wechatpay-Serial': serial,
    'Wechatpay-Signature-Type': SCHEME,
  };
}

// Verifies an answer or notification the way our client must (§2.2). `headers`
// are Node-style (lower-case names). Returns { ok, reason }.
function verifySigned(headers, body, { publicKeyPem, serial, nowSec = Math.floor(Date.now() / 1000) }) {
  const ts = headers['wechatpay-timestamp'];
  const nonce = headers['wechatpay-nonce'];
  const sig = headers['wechatpay-signature'];
  if (!ts || !nonce || !sig || !headers['wechatpay-serial']) return { ok: false, reason: 'missing header' };
  if (headers['wechatpay-serial'] !== serial) return { ok: false, reason: 'unknown serial' };
  if (!/^\d+$/.test(ts) || Math.abs(nowSec - Number(ts)) > 300) return { ok: false, reason: 'timestamp' };
  if (sig.startsWith('WECHATPAY/SIGNTEST/')) return { ok: false, reason: 'probe' };
  const ok = rsaVerify(publicKeyPem, responseMessage(ts, nonce, body), sig);
  return { ok, reason: ok ? '' : 'signature' };
}

// AES-256-GCM with the APIv3 key (its 32 ASCII bytes), ciphertext||tag base64.
function encryptResource(apiv3Key, plaintext, associatedData, nonce = nonceAlnum(12)) {
  const c = crypto.createCipheriv('aes-256-gcm', Buffer.from(apiv3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  c.setAAD(Buffer.from(associatedData || '', 'utf8'));
  const ct = Buffer.concat([c.update(Buffer.from(plaintext, 'utf8')), c.final(), c.getAuthTag()]);
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext: ct.toString('base64'), associated_data: associatedData, nonce };
}

// Inverse of encryptResource; throws when the tag does not match (wrong key,
// nonce, AAD or a tampered ciphertext).
function decryptResource(apiv3Key, resource) {
  const buf = Buffer.from(resource.ciphertext, 'base64');
  if (buf.length < 16) throw new Error('ciphertext shorter than the GCM tag');
  const d = crypto.createDecipheriv('aes-256-gcm', Buffer.from(apiv3Key, 'utf8'), Buffer.from(resource.nonce, 'utf8'));
  d.setAAD(Buffer.from(resource.associated_data || '', 'utf8'));
  d.setAuthTag(buf.subarray(buf.length - 16));
  return Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString('utf8');
}

module.exports = {
  SCHEME,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
  authorization,
  parseAuthorization,
  signedHeaders,
  verifySigned,
  encryptResource,
  decryptResource,
  nonceHex,
  nonceAlnum,
};
