// Self-test of the stand-ins: starts wechat.js and sms.js as real processes on
// free ports with temporary configs built from the test keys in tests/vectors,
// then talks to them with genuinely signed requests, the way our C client will.
// The signing helpers (tc3.js, wxpay.js) are first checked against the vectors,
// so a passing run means the stand-ins agree with the vendors' algorithms, not
// merely with themselves.
//
//   node --test tests/standins/          (runs this file through standins.test.js)
//   node --test tests/standins/selftest.js
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const tc3 = require('./tc3');
const wxpay = require('./wxpay');

const VECTORS = path.join(__dirname, '..', 'vectors');
const vec = (f) => fs.readFileSync(path.join(VECTORS, f), 'utf8');

const APPID = 'wxd678efh567hg6787';
const APP_SECRET = 'wuyeTestAppSecret000000000000000';
const MCHID = '1230000109';
const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const PLATFORM_SERIAL = 'PUB_KEY_ID_0112300001092026000000000000';
const APIV3_KEY = 'wuyeTestApiV3Key0123456789abcdef';
const SECRET_ID = 'AKIDwuyeTESTsecretId0000000000000000';
const SECRET_KEY = 'wuyeTESTsecretKey000000000000000';
const SDK_APP_ID = '1400006666';
const SIGN_NAME = '示范物业';

const merchantKey = vec('merchant_test_key.pem');
const platformKey = vec('platform_test_key.pem');
const platformPub = vec('platform_test_pub.pem');

let tmp;
let wechat; // { proc, base, exited }
let sms;

// ---------------------------------------------------------------- harness

// Spawns a stand-in and resolves once it prints its "listening" line, which
// carries the port it got for port 0.
function startStandin(script, config) {
  const file = path.join(tmp, `${path.basename(script, '.js')}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  const proc = spawn(process.execPath, [path.join(__dirname, script), '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  // Even if this test process dies mid-run, the stand-ins must not outlive it.
  process.on('exit', () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${out}${err}`)), 5000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, base: m[1], exited, log: () => out });
      }
    });
    proc.on('exit', () => reject(new Error(`${script} exited: ${err}`)));
  });
}

async function stop(s) {
  if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return s && s.exited;
  s.proc.kill('SIGTERM');
  const kill = setTimeout(() => s.proc.kill('SIGKILL'), 3000);
  const r = await s.exited;
  clearTimeout(kill);
  return r;
}

// Plain HTTP request; body is sent verbatim (a string or Buffer) so that tests
// control the exact bytes that are signed.
function request(base, method, urlPath, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + urlPath, { method, headers: { ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch (e) { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const postJson = (base, urlPath, obj) =>
  request(base, 'POST', urlPath, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(obj) });

// A WeChat Pay v3 request signed like our C client signs it (§2.1).
function payRequest(method, urlPath, obj, { key = merchantKey, userAgent = 'wuye-selftest/1.0', tamper } = {}) {
  const body = obj === undefined ? '' : JSON.stringify(obj);
  const headers = {
    Accept: 'application/json',
    Authorization: wxpay.authorization({ mchid: MCHID, serialNo: MERCHANT_SERIAL, privateKeyPem: key, method, url: urlPath, body }),
  };
  if (userAgent) headers['User-Agent'] = userAgent;
  if (body) headers['Content-Type'] = 'application/json';
  return request(wechat.base, method, urlPath, { headers, body: tamper ? tamper(body) : body });
}

const verifyPayAnswer = (res) => wxpay.verifySigned(res.headers, res.text, { publicKeyPem: platformPub, serial: PLATFORM_SERIAL });

// A SendSms request signed with TC3 (§3.2); options let a test break one thing.
function smsRequest(obj, { secretId = SECRET_ID, secretKey = SECRET_KEY, timestamp, signedHeaders, tamper, action = 'SendSms' } = {}) {
  const body = JSON.stringify(obj);
  const ts = timestamp || Math.floor(Date.now() / 1000);
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    Host: sms.base.replace('http://', ''),
    'X-TC-Action': action,
    'X-TC-Version': '2021-01-11',
    'X-TC-Timestamp': String(ts),
    'X-TC-Region': 'ap-guangzhou',
  };
  const s = tc3.sign({ secretId, secretKey, timestamp: ts, headers, signedHeaders, payload: body });
  headers.Authorization = s.authorization;
  return request(sms.base, 'POST', '/', { headers, body: tamper ? tamper(body) : body });
}

const smsBody = (extra = {}) => ({
  PhoneNumberSet: ['+8613800000002'],
  SmsSdkAppId: SDK_APP_ID,
  SignName: SIGN_NAME,
  TemplateId: '1110',
  TemplateParamSet: ['123456', '5'],
  ...extra,
});

// A tiny merchant endpoint: answers with the statuses queued in `plan`
// (then 204), and keeps every notification it got.
function startNotifyServer(plan) {
  const got = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = plan.length ? plan.shift() : 204;
      if (status === 204) res.writeHead(204).end();
      else res.writeHead(status, { 'Content-Type': 'application/json' }).end('{"code":"FAIL","message":"not now"}');
      waiters.splice(0).forEach((w) => w());
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    server,
    url: `http://127.0.0.1:${server.address().port}`,
    got,
    // Resolves when at least n notifications have arrived.
    async waitFor(n, ms = 5000) {
      const deadline = Date.now() + ms;
      while (got.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} notifications, got ${got.length}`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 50); });
      }
    },
  })));
}

// ---------------------------------------------------------------- setup

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wuye-standins-'));
  fs.writeFileSync(path.join(tmp, 'app_secret'), APP_SECRET + '\n');
  fs.writeFileSync(path.join(tmp, 'apiv3_key'), APIV3_KEY + '\n');
  fs.writeFileSync(path.join(tmp, 'sms_secret_key'), SECRET_KEY + '\n');
  [wechat, sms] = await Promise.all([
    startStandin('wechat.js', {
      port: 0,
      appid: APPID,
      secret_file: path.join(tmp, 'app_secret'),
      mchid: MCHID,
      apiv3_key_file: path.join(tmp, 'apiv3_key'),
      merchant_serial: MERCHANT_SERIAL,
      merchant_public_key_file: path.join(VECTORS, 'merchant_test_pub.pem'),
      platform_serial: PLATFORM_SERIAL,
      platform_private_key_file: path.join(VECTORS, 'platform_test_key.pem'),
      platform_public_key_file: path.join(VECTORS, 'platform_test_pub.pem'),
      retry_scale: 0.01,
      refund_delay_ms: 100,
    }),
    startStandin('sms.js', {
      port: 0,
      secret_id: SECRET_ID,
      secret_key_file: path.join(tmp, 'sms_secret_key'),
      sdk_app_id: SDK_APP_ID,
      sign_name: SIGN_NAME,
    }),
  ]);
});

after(async () => {
  await Promise.all([stop(wechat), stop(sms)]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------- vectors

test('TC3 signer reproduces vectors v5 (documentation style) and v5b (SDK style)', () => {
  const common = {
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    timestamp: 1700000030,
    headers: { 'Content-Type': 'application/json; charset=utf-8', Host: 'sms.tencentcloudapi.com', 'X-TC-Action': 'SendSms' },
    payload: vec('v5_body.json'),
  };
  const v5 = tc3.sign({ ...common, signedHeaders: ['content-type', 'host', 'x-tc-action'] });
  assert.equal(v5.canonicalRequest, vec('v5_canonical_request.txt'));
  assert.equal(v5.stringToSign, vec('v5_string_to_sign.txt'));
  assert.equal(v5.signature, vec('v5_signature.hex').trim());
  assert.equal(v5.authorization, vec('v5_authorization.txt').trim());
  const v5b = tc3.sign(common); // default: content-type;host
  assert.equal(v5b.signature, vec('v5b_signature.hex').trim());
  assert.deepEqual(tc3.parseAuthorization(v5.authorization).signedHeaders, ['content-type', 'host', 'x-tc-action']);
});

test('WeChat Pay helpers reproduce vectors v1, v1b, v2 and v4', () => {
  const body = vec('v1_body.json');
  const ts = 1700000000;
  const nonce = '593BEC0C930BF1AFEB40B4A08C8FB242';
  assert.equal(wxpay.requestMessage('POST', '/v3/pay/transactions/jsapi', ts, nonce, body), vec('v1_message.txt'));
  const auth = wxpay.authorization({ mchid: MCHID, serialNo: MERCHANT_SERIAL, privateKeyPem: merchantKey, method: 'POST', url: '/v3/pay/transactions/jsapi', body, timestamp: ts, nonce });
  assert.equal(auth, vec('v1_authorization.txt').trim());
  assert.equal(wxpay.parseAuthorization(auth).signature, vec('v1_signature.b64').trim());
  const getUrl = '/v3/pay/transactions/out-trade-no/W20261124000001?mchid=1230000109';
  assert.equal(wxpay.requestMessage('GET', getUrl, ts, nonce, ''), vec('v1b_message.txt'));
  assert.equal(wxpay.rsaSign(merchantKey, vec('v1b_message.txt')), vec('v1b_signature.b64').trim());

  const sig2 = vec('v2_signature.b64').trim();
  assert.equal(wxpay.rsaVerify(platformPub, vec('v2_message.txt'), sig2), true);
  assert.equal(wxpay.rsaVerify(platformPub, vec('v2_tampered_message.txt'), sig2), false);
  assert.equal(wxpay.rsaVerify(vec('merchant_test_pub.pem'), vec('v2_message.txt'), sig2), false);

  const n = JSON.parse(vec('v4_notification.json'));
  assert.equal(wxpay.decryptResource(APIV3_KEY, n.resource), vec('v4_plaintext.json'));
  assert.throws(() => wxpay.decryptResource(APIV3_KEY, { ...n.resource, associated_data: 'transactioN' }));
  const headers = {
    'wechatpay-timestamp': '1700000020',
    'wechatpay-nonce': 'fdasflkja484w',
    'wechatpay-signature': vec('v4_notification_signature.b64').trim(),
    'wechatpay-serial': PLATFORM_SERIAL,
  };
  const opts = { publicKeyPem: platformPub, serial: PLATFORM_SERIAL, nowSec: 1700000020 };
  assert.equal(wxpay.verifySigned(headers, vec('v4_notification.json'), opts).ok, true);
  assert.equal(wxpay.verifySigned(headers, vec('v4_notification.json'), { ...opts, nowSec: 1700000400 }).reason, 'timestamp');
  assert.equal(wxpay.verifySigned({ ...headers, 'wechatpay-signature': 'WECHATPAY/SIGNTEST/abc' }, vec('v4_notification.json'), opts).reason, 'probe');
  // Our own envelope round-trips.
  const r = wxpay.encryptResource(APIV3_KEY, '{"a":1}', 'transaction');
  assert.equal(r.nonce.length, 12);
  assert.equal(wxpay.decryptResource(APIV3_KEY, r), '{"a":1}');
});

// ---------------------------------------------------------------- SMS

test('SMS: a signed SendSms is accepted, answered as §3.3 and readable at /_test/sms', async () => {
  await postJson(sms.base, '/_test/reset', {});
  const res = await smsRequest(smsBody({ SessionContext: 'outbox-42' }));
  assert.equal(res.status, 200);
  const set = res.json.Response.SendStatusSet;
  assert.equal(set.length, 1);
  assert.equal(set[0].Code, 'Ok');
  assert.equal(set[0].PhoneNumber, '+8613800000002');
  assert.equal(set[0].SessionContext, 'outbox-42');
  assert.equal(set[0].IsoCode, 'CN');
  assert.equal(typeof res.json.Response.RequestId, 'string');

  // Documentation style (x-tc-action signed too) is accepted as well.
  const res2 = await smsRequest(smsBody({ TemplateParamSet: ['654321', '5'] }), { signedHeaders: ['content-type', 'host', 'x-tc-action'] });
  assert.equal(res2.json.Response.SendStatusSet[0].Code, 'Ok');

  const inbox = await request(sms.base, 'GET', '/_test/sms?phone=13800000002');
  assert.equal(inbox.status, 200);
  assert.equal(inbox.json.items.length, 2);
  assert.deepEqual(inbox.json.items[0].params, ['654321', '5']); // newest first
  assert.equal(inbox.json.items[1].session_context, 'outbox-42');
  assert.equal(inbox.json.items[1].template_id, '1110');
  assert.match(inbox.json.items[0].sent_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  assert.equal((await request(sms.base, 'GET', '/_test/sms?phone=13800000009')).json.items.length, 0);
});

test('SMS: PullSmsSendStatus hands out each receipt once; an undeliverable phone gets FAIL', async () => {
  await postJson(sms.base, '/_test/reset', {});
  assert.equal((await postJson(sms.base, '/_test/sms/undeliverable', { phone: '13800000003' })).status, 200);
  assert.equal((await postJson(sms.base, '/_test/sms/undeliverable', { phone: 'x' })).status, 400);
  const ok = await smsRequest(smsBody({ SessionContext: 'outbox-1' }));
  const lost = await smsRequest(smsBody({ PhoneNumberSet: ['+8613800000003'], SessionContext: 'outbox-2' }));
  const pull = (limit) => smsRequest({ SmsSdkAppId: SDK_APP_ID, Limit: limit }, { action: 'PullSmsSendStatus' });
  const first = await pull(1);
  assert.equal(first.status, 200);
  const a = first.json.Response.PullSmsSendStatusSet;
  assert.equal(a.length, 1);
  assert.equal(a[0].SerialNo, ok.json.Response.SendStatusSet[0].SerialNo);
  assert.equal(a[0].ReportStatus, 'SUCCESS');
  assert.equal(a[0].Description, 'DELIVRD');
  assert.equal(a[0].SubscriberNumber, '13800000002');
  assert.equal(Number.isInteger(a[0].UserReceiveTime), true);
  const b = (await pull(100)).json.Response.PullSmsSendStatusSet;
  assert.equal(b.length, 1);
  assert.equal(b[0].SerialNo, lost.json.Response.SendStatusSet[0].SerialNo);
  assert.equal(b[0].ReportStatus, 'FAIL');
  assert.equal(b[0].SessionContext, 'outbox-2');
  assert.equal((await pull(100)).json.Response.PullSmsSendStatusSet.length, 0);
  assert.equal((await pull(101)).json.Response.Error.Code, 'InvalidParameterValue.InvalidLimit');
});

test('SMS: bad signature, unknown SecretId, stale timestamp and bad numbers are refused', async () => {
  await postJson(sms.base, '/_test/reset', {});
  const errorCode = (r) => r.json.Response.Error && r.json.Response.Error.Code;

  const tampered = await smsRequest(smsBody(), { tamper: (b) => b.replace('123456', '123457') });
  assert.equal(tampered.status, 200);
  assert.equal(errorCode(tampered), 'AuthFailure.SignatureFailure');
  assert.equal(typeof tampered.json.Response.RequestId, 'string');
  assert.equal(errorCode(await smsRequest(smsBody(), { secretKey: 'wrong' })), 'AuthFailure.SignatureFailure');
  assert.equal(errorCode(await smsRequest(smsBody(), { secretId: 'AKIDunknown' })), 'AuthFailure.SecretIdNotFound');
  assert.equal(errorCode(await smsRequest(smsBody(), { timestamp: Math.floor(Date.now() / 1000) - 600 })), 'AuthFailure.SignatureExpire');
  assert.equal(errorCode(await smsRequest(smsBody(), { signedHeaders: ['host', 'x-tc-action'] })), 'AuthFailure.InvalidAuthorization');
  assert.equal(errorCode(await smsRequest(smsBody({ SignName: '别的签名' }))), 'FailedOperation.SignatureIncorrectOrUnapproved');
  assert.equal(errorCode(await smsRequest(smsBody({ SmsSdkAppId: '1400000000' }))), 'InvalidParameterValue.SdkAppIdNotExist');

  const mixed = await smsRequest(smsBody({ PhoneNumberSet: ['+8613800000003', '13800000004', '+86123'] }));
  const codes = mixed.json.Response.SendStatusSet.map((s) => s.Code);
  assert.deepEqual(codes, ['Ok', 'InvalidParameterValue.IncorrectPhoneNumber', 'InvalidParameterValue.IncorrectPhoneNumber']);

  // Malformed JSON (correctly signed) gets an answer in Tencent's shape.
  const ts = Math.floor(Date.now() / 1000);
  const headers = { 'Content-Type': 'application/json; charset=utf-8', Host: sms.base.replace('http://', ''), 'X-TC-Action': 'SendSms', 'X-TC-Version': '2021-01-11', 'X-TC-Timestamp': String(ts), 'X-TC-Region': 'ap-guangzhou' };
  headers.Authorization = tc3.sign({ secretId: SECRET_ID, secretKey: SECRET_KEY, timestamp: ts, headers, payload: '{"PhoneNumberSet":[' }).authorization;
  const bad = await request(sms.base, 'POST', '/', { headers, body: '{"PhoneNumberSet":[' });
  assert.equal(bad.status, 200);
  assert.equal(errorCode(bad), 'FailedOperation.JsonParseFail');

  const stats = await request(sms.base, 'GET', '/_test/sms/stats');
  assert.equal(stats.json.signature_failures, 5);
  assert.equal(stats.json.calls, 9);
  assert.equal((await request(sms.base, 'GET', '/nowhere')).status, 404);
});

test('SMS: injected faults fail the next calls, per number for per-number limits', async () => {
  await postJson(sms.base, '/_test/reset', {});
  assert.equal((await postJson(sms.base, '/_test/sms/faults', { code: 'InternalError.Timeout', count: 1 })).status, 200);
  assert.equal((await smsRequest(smsBody())).json.Response.Error.Code, 'InternalError.Timeout');
  assert.equal((await smsRequest(smsBody())).json.Response.SendStatusSet[0].Code, 'Ok');
  await postJson(sms.base, '/_test/sms/faults', { code: 'LimitExceeded.PhoneNumberDailyLimit', count: 1 });
  const limited = await smsRequest(smsBody());
  assert.equal(limited.json.Response.SendStatusSet[0].Code, 'LimitExceeded.PhoneNumberDailyLimit');
  assert.equal((await request(sms.base, 'GET', '/_test/sms?phone=13800000002')).json.items.length, 1);
});

// ---------------------------------------------------------------- mini-program

test('WeChat: code2session and phone number work once; reused codes fail', async () => {
  await postJson(wechat.base, '/_test/reset', {});
  const codes = (await postJson(wechat.base, '/_test/wechat/codes', { phone: '13800000001' })).json;
  assert.ok(codes.code && codes.phone_code);

  const q = (code, secret = APP_SECRET) =>
    `/sns/jscode2session?appid=${APPID}&secret=${secret}&js_code=${encodeURIComponent(code)}&grant_type=authorization_code`;
  const s1 = await request(wechat.base, 'GET', q(codes.code));
  assert.equal(s1.status, 200);
  assert.match(s1.json.openid, /^o[A-Za-z0-9_-]{27}$/);
  assert.equal(s1.json.openid, codes.openid);
  assert.ok(s1.json.session_key);
  assert.equal(s1.json.unionid, undefined);
  assert.equal((await request(wechat.base, 'GET', q(codes.code))).json.errcode, 40163);
  assert.equal((await request(wechat.base, 'GET', q('no-such-code'))).json.errcode, 40029);
  const other = (await postJson(wechat.base, '/_test/wechat/codes', { phone: '13800000002' })).json;
  assert.equal((await request(wechat.base, 'GET', q(other.code, 'wrong'))).json.errcode, 40125);
  const s2 = await request(wechat.base, 'GET', q(other.code));
  assert.notEqual(s2.json.openid, s1.json.openid); // a new openid per phone

  const tok = await postJson(wechat.base, '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: APP_SECRET, force_refresh: false });
  assert.equal(tok.json.expires_in, 7200);
  const token = tok.json.access_token;
  const phoneUrl = `/wxa/business/getuserphonenumber?access_token=${encodeURIComponent(token)}`;
  const p1 = await postJson(wechat.base, phoneUrl, { code: codes.phone_code });
  assert.equal(p1.json.errcode, 0);
  assert.equal(p1.json.phone_info.purePhoneNumber, '13800000001');
  assert.equal(p1.json.phone_info.countryCode, '86');
  assert.equal(p1.json.phone_info.watermark.appid, APPID);
  assert.equal((await postJson(wechat.base, phoneUrl, { code: codes.phone_code })).json.errcode, 40029);
  assert.equal((await postJson(wechat.base, '/wxa/business/getuserphonenumber?access_token=bogus', { code: other.phone_code })).json.errcode, 40001);
  const broken = await request(wechat.base, 'POST', phoneUrl, { headers: { 'Content-Type': 'application/json' }, body: '{"code":' });
  assert.equal(broken.json.errcode, 47001);

  // The stable token is stable; the classic one replaces the previous one.
  const tok2 = await postJson(wechat.base, '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: APP_SECRET });
  assert.equal(tok2.json.access_token, token);
  await postJson(wechat.base, '/_test/wechat/expire_tokens', {});
  assert.equal((await postJson(wechat.base, phoneUrl, { code: other.phone_code })).json.errcode, 42001);

  const sent = await postJson(wechat.base, `/cgi-bin/message/subscribe/send?access_token=${encodeURIComponent((await postJson(wechat.base, '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: APP_SECRET })).json.access_token)}`,
    { touser: s1.json.openid, template_id: 'TPL1', data: { thing1: { value: '物业费' } } });
  assert.equal(sent.json.errcode, 0);
  assert.equal((await request(wechat.base, 'GET', `/_test/wechat/messages?openid=${s1.json.openid}`)).json.items.length, 1);
});

test('WeChat: faults, delay and stats', async () => {
  await postJson(wechat.base, '/_test/reset', {});
  const codes = (await postJson(wechat.base, '/_test/wechat/codes', { phone: '13800000001' })).json;
  const q = `/sns/jscode2session?appid=${APPID}&secret=${APP_SECRET}&js_code=${encodeURIComponent(codes.code)}&grant_type=authorization_code`;
  await postJson(wechat.base, '/_test/wechat/faults', { endpoint: 'jscode2session', errcode: -1, count: 1 });
  assert.equal((await request(wechat.base, 'GET', q)).json.errcode, -1);
  // The busy answer did not use the code up: the client's single retry works.
  assert.ok((await request(wechat.base, 'GET', q)).json.openid);

  await postJson(wechat.base, '/_test/wechat/delay', { ms: 300 });
  const t0 = Date.now();
  await request(wechat.base, 'GET', q);
  assert.ok(Date.now() - t0 >= 290);
  await postJson(wechat.base, '/_test/wechat/delay', { ms: 0 });

  const stats = (await request(wechat.base, 'GET', '/_test/wechat/stats')).json;
  assert.equal(stats.jscode2session, 3);
  assert.equal(stats.getuserphonenumber, 0);
  assert.equal((await request(wechat.base, 'GET', '/sns/nothing')).status, 404);
  assert.equal((await postJson(wechat.base, '/_test/wechat/faults', { endpoint: 'nope', errcode: 1 })).status, 400);
});

// ---------------------------------------------------------------- WeChat Pay

const order = (out, notifyUrl, extra = {}) => ({
  appid: APPID,
  mchid: MCHID,
  description: '物业费-示范小区1栋101-2026年10月',
  out_trade_no: out,
  time_expire: new Date(Date.now() + 30 * 60000).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
  notify_url: notifyUrl,
  amount: { total: 26640, currency: 'CNY' },
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  ...extra,
});

test('WeChat Pay: signed jsapi order accepted, answer verifies; bad signatures get 401', async () => {
  await postJson(wechat.base, '/_test/reset', {});
  const o = order('W20261124000001', 'http://127.0.0.1:9/notify');
  const res = await payRequest('POST', '/v3/pay/transactions/jsapi', o);
  assert.equal(res.status, 200, res.text);
  assert.match(res.json.prepay_id, /^wx/);
  assert.equal(res.headers['wechatpay-serial'], PLATFORM_SERIAL);
  assert.deepEqual(verifyPayAnswer(res), { ok: true, reason: '' });
  assert.equal(verifyPayAnswer({ ...res, text: res.text.replace('wx', 'wy') }).ok, false);

  // Same request again: same prepay_id. Different content: OUT_TRADE_NO_USED.
  assert.equal((await payRequest('POST', '/v3/pay/transactions/jsapi', o)).json.prepay_id, res.json.prepay_id);
  const changed = await payRequest('POST', '/v3/pay/transactions/jsapi', { ...o, amount: { total: 100, currency: 'CNY' } });
  assert.equal(changed.status, 400);
  assert.equal(changed.json.code, 'OUT_TRADE_NO_USED');

  const wrongKey = await payRequest('POST', '/v3/pay/transactions/jsapi', o, { key: platformKey });
  assert.equal(wrongKey.status, 401);
  assert.equal(wrongKey.json.code, 'SIGN_ERROR');
  assert.equal(verifyPayAnswer(wrongKey).ok, true); // errors are signed too
  const tampered = await payRequest('POST', '/v3/pay/transactions/jsapi', o, { tamper: (b) => b.replace('26640', '1') });
  assert.equal(tampered.status, 401);
  const noAuth = await request(wechat.base, 'GET', `/v3/pay/transactions/out-trade-no/W20261124000001?mchid=${MCHID}`, { headers: { 'User-Agent': 'x' } });
  assert.equal(noAuth.status, 401);
  assert.equal((await payRequest('POST', '/v3/pay/transactions/jsapi', o, { userAgent: null })).status, 400);

  const bad = await payRequest('POST', '/v3/pay/transactions/jsapi', { ...o, out_trade_no: 'W1' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.code, 'PARAM_ERROR');
  assert.equal((await payRequest('POST', '/v3/pay/transactions/jsapi', { ...o, out_trade_no: 'W20261124000002', amount: { total: 1.5 } })).json.code, 'PARAM_ERROR');
  assert.equal((await payRequest('POST', '/v3/pay/transactions/jsapi', { ...o, out_trade_no: 'W20261124000003', notify_url: 'http://example.com/n' })).json.code, 'PARAM_ERROR');

  const query = await payRequest('GET', `/v3/pay/transactions/out-trade-no/W20261124000001?mchid=${MCHID}`);
  assert.equal(query.status, 200);
  assert.equal(query.json.trade_state, 'NOTPAY');
  assert.equal(verifyPayAnswer(query).ok, true);
  const missing = await payRequest('GET', `/v3/pay/transactions/out-trade-no/W99999999?mchid=${MCHID}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, 'ORDER_NOT_EXIST');

  const stats = (await request(wechat.base, 'GET', '/_test/wechat/stats')).json;
  assert.equal(stats.pay_sign_errors, 3);
});

test('WeChat Pay: /_test/pay SUCCESS delivers a signed, encrypted notification with retries; then close and refund', async () => {
  await postJson(wechat.base, '/_test/reset', {});
  const merchant = await startNotifyServer([500]); // first attempt fails: the stand-in must retry
  try {
    const out = 'W20261124000042';
    const o = order(out, `${merchant.url}/api/v1/pay/wechat/notify`);
    assert.equal((await payRequest('POST', '/v3/pay/transactions/jsapi', o)).status, 200);

    // /_test/pay/identity is not taken for an order called "identity".
    const id = await request(wechat.base, 'GET', '/_test/pay/identity');
    assert.equal(id.status, 200);
    assert.equal(id.json.apiv3_key, APIV3_KEY);
    assert.equal(id.json.platform_serial, PLATFORM_SERIAL);
    assert.equal(id.json.mchid, MCHID);
    assert.match(id.json.platform_private_key_pem, /BEGIN PRIVATE KEY/);
    assert.match(id.json.merchant_public_key_pem, /BEGIN PUBLIC KEY/);

    const paid = await postJson(wechat.base, `/_test/pay/${out}`, { result: 'SUCCESS' });
    assert.equal(paid.status, 200);
    await merchant.waitFor(2);
    for (const n of merchant.got) {
      assert.equal(n.url, '/api/v1/pay/wechat/notify');
      assert.deepEqual(verifyPayAnswer({ headers: n.headers, text: n.body }), { ok: true, reason: '' });
    }
    const env = JSON.parse(merchant.got[1].body);
    assert.equal(env.event_type, 'TRANSACTION.SUCCESS');
    assert.equal(env.resource_type, 'encrypt-resource');
    assert.equal(env.resource.associated_data, 'transaction');
    assert.equal(env.resource.nonce.length, 12);
    assert.equal(env.id, JSON.parse(merchant.got[0].body).id); // a retry is the same notification
    const tx = JSON.parse(wxpay.decryptResource(APIV3_KEY, env.resource));
    assert.equal(tx.out_trade_no, out);
    assert.equal(tx.trade_state, 'SUCCESS');
    assert.equal(tx.appid, APPID);
    assert.equal(tx.mchid, MCHID);
    assert.equal(tx.amount.total, 26640);
    assert.match(tx.transaction_id, /^\d{28}$/);

    // The stand-in's view records both attempts, the failed one and the success.
    await new Promise((r) => setTimeout(r, 50));
    const view = (await request(wechat.base, 'GET', `/_test/pay/${out}`)).json;
    assert.equal(view.order.trade_state, 'SUCCESS');
    assert.deepEqual(view.notifications[0].attempts.map((a) => a.status), [500, 204]);
    assert.equal(view.notifications[0].delivered, true);

    const q = await payRequest('GET', `/v3/pay/transactions/id/${tx.transaction_id}?mchid=${MCHID}`);
    assert.equal(q.json.trade_state, 'SUCCESS');
    assert.equal(q.json.amount.payer_total, 26640);
    const close = await payRequest('POST', `/v3/pay/transactions/out-trade-no/${out}/close`, { mchid: MCHID });
    assert.equal(close.status, 400);
    assert.equal(close.json.code, 'ORDERPAID');
    assert.equal((await postJson(wechat.base, `/_test/pay/${out}`, { result: 'SUCCESS' })).status, 409);

    // Refund: partial, idempotent by out_refund_no, capped at the total.
    const refundReq = { out_trade_no: out, out_refund_no: 'R20261124000001', reason: '测试', notify_url: `${merchant.url}/api/v1/pay/wechat/refund-notify`, amount: { refund: 10000, total: 26640, currency: 'CNY' } };
    const r1 = await payRequest('POST', '/v3/refund/domestic/refunds', refundReq);
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.json.status, 'PROCESSING');
    assert.equal((await payRequest('POST', '/v3/refund/domestic/refunds', refundReq)).json.refund_id, r1.json.refund_id);
    const over = await payRequest('POST', '/v3/refund/domestic/refunds', { ...refundReq, out_refund_no: 'R20261124000002', amount: { refund: 16641, total: 26640, currency: 'CNY' } });
    assert.equal(over.status, 400);
    await merchant.waitFor(3);
    const renv = JSON.parse(merchant.got[2].body);
    assert.equal(renv.event_type, 'REFUND.SUCCESS');
    const rplain = JSON.parse(wxpay.decryptResource(APIV3_KEY, renv.resource));
    assert.equal(rplain.out_refund_no, 'R20261124000001');
    assert.equal(rplain.refund_status, 'SUCCESS');
    assert.equal(rplain.amount.refund, 10000);
    const rq = await payRequest('GET', '/v3/refund/domestic/refunds/R20261124000001');
    assert.equal(rq.json.status, 'SUCCESS');
    assert.equal(verifyPayAnswer(rq).ok, true);
    assert.equal((await payRequest('GET', `/v3/pay/transactions/out-trade-no/${out}?mchid=${MCHID}`)).json.trade_state, 'REFUND');

    // An unpaid order closes with 204 (signed empty body).
    const out2 = 'W20261124000043';
    await payRequest('POST', '/v3/pay/transactions/jsapi', order(out2, `${merchant.url}/n`));
    const c2 = await payRequest('POST', `/v3/pay/transactions/out-trade-no/${out2}/close`, { mchid: MCHID });
    assert.equal(c2.status, 204);
    assert.equal(verifyPayAnswer(c2).ok, true);
    assert.equal((await payRequest('GET', `/v3/pay/transactions/out-trade-no/${out2}?mchid=${MCHID}`)).json.trade_state, 'CLOSED');
    assert.equal((await postJson(wechat.base, `/_test/pay/${out2}`, { result: 'SUCCESS' })).status, 409);
  } finally {
    merchant.server.close();
  }
});

test('stand-ins exit cleanly on SIGTERM', async () => {
  const [w, s] = await Promise.all([stop(wechat), stop(sms)]);
  assert.deepEqual(w, { code: 0, signal: null });
  assert.deepEqual(s, { code: 0, signal: null });
});
