#!/usr/bin/env node
// Local stand-in for Tencent Cloud SMS API 3.0, actions SendSms and
// PullSmsSendStatus (sms.tencentcloudapi.com, PROTOCOLS.md §3). It recomputes the client's
// TC3-HMAC-SHA256 signature over the headers the client says it signed,
// refuses bad or stale ones with Tencent's error codes, validates the request
// and answers exactly like the real service (always HTTP 200, errors inside
// Response.Error). Accepted messages are kept so that a test can read "the SMS
// a phone received" at /_test/sms. Every accepted message also gets a
// delivery receipt — SUCCESS/DELIVRD, or FAIL/UNDELIV for a phone a test
// marked undeliverable (/_test/sms/undeliverable) — which PullSmsSendStatus
// hands out once, oldest first, like the real queue. Everything lives in
// memory.
//
//   node tests/standins/sms.js --config FILE      (README.md lists the fields)
'use strict';

const http = require('http');
const crypto = require('crypto');
const common = require('./common');
const tc3 = require('./tc3');

const NAME = 'sms';
const VERSION = '2021-01-11';
const CLOCK_SKEW_S = 300;
const MAX_NUMBERS = 200;
const REGIONS = ['ap-guangzhou', 'ap-beijing', 'ap-nanjing'];
// Mainland mobile numbers in E.164: +86, then 11 digits starting with 1.
const PHONE_RE = /^\+861[3-9]\d{9}$/;

function loadSmsConfig(file) {
  const raw = common.loadConfig(file, ['secret_id', 'secret_key_file', 'sdk_app_id', 'sign_name']);
  return {
    host: raw.host || '127.0.0.1',
    port: raw.port === undefined ? 18082 : Number(raw.port),
    secretId: raw.secret_id,
    secretKey: common.readSecretFile(raw, 'secret_key_file'),
    sdkAppId: String(raw.sdk_app_id),
    signName: raw.sign_name,
  };
}

function freshState() {
  return {
    items: [], // accepted messages, oldest first
    faults: null, // { code, message, count, perNumber }
    delayMs: 0,
    receipts: [], // delivery receipts not pulled yet, oldest first
    undeliverable: new Set(), // E.164 numbers whose messages fail to arrive
    stats: { calls: 0, signature_failures: 0, sent: 0, pulls: 0, errors: {} },
    serial: 0,
  };
}

// The messages of the real service; clients match on Code only.
const MESSAGES = {
  'AuthFailure.InvalidAuthorization': 'Authorization头格式错误',
  'AuthFailure.SecretIdNotFound': 'The SecretId is not found, please ensure that your SecretId is correct.',
  'AuthFailure.SignatureExpire': 'Signature expired. Timestamp and server time cannot differ by more than 5 minutes.',
  'AuthFailure.SignatureFailure': 'The provided credentials could not be validated. Please check your signature is correct.',
  'InternalError.Timeout': '请求下发短信超时，请参考 60s 内无法收到短信处理。',
  RequestLimitExceeded: '请求的次数超过了频率限制。',
  'LimitExceeded.PhoneNumberDailyLimit': '单个手机号日下发短信条数超过设定的上限。',
  'LimitExceeded.PhoneNumberThirtySecondLimit': '单个手机号30秒内下发短信条数超过设定的上限。',
  'LimitExceeded.PhoneNumberOneHourLimit': '单个手机号1小时内下发短信条数超过设定的上限。',
  'InvalidParameterValue.IncorrectPhoneNumber': '手机号格式错误。',
  'FailedOperation.InsufficientBalanceInSmsPackage': '套餐包余量不足。',
};

// Per-number limits are reported inside SendStatusSet, not as a failure of the
// whole call; a fault with one of these codes hits every number of the call.
const isPerNumberCode = (code) => code.startsWith('LimitExceeded.PhoneNumber') || code === 'InvalidParameterValue.IncorrectPhoneNumber';

// Returns { ok } or { code, message }: the TC3 check of §3.2.
function checkAuth(cfg, req, raw) {
  const err = (code, message) => ({ code, message: message || MESSAGES[code] });
  const ts = req.headers['x-tc-timestamp'];
  if (!ts || !/^\d{1,12}$/.test(ts)) return err('MissingParameter', 'The request is missing a required parameter `Timestamp`.');
  const a = tc3.parseAuthorization(req.headers.authorization);
  if (!a) return err('AuthFailure.InvalidAuthorization');
  if (a.service !== 'sms' || a.terminator !== 'tc3_request') {
    return err('AuthFailure.InvalidAuthorization', 'Credential scope must end with /sms/tc3_request');
  }
  // The list must be what a correct signer produces: lower case, sorted,
  // no repeats, and at least content-type and host.
  const names = a.signedHeaders;
  const canonical = [...new Set(names.map((n) => n.toLowerCase()))].sort();
  if (names.join(';') !== canonical.join(';')) {
    return err('AuthFailure.InvalidAuthorization', 'SignedHeaders must be lower-case, sorted and without repeats');
  }
  if (!names.includes('content-type') || !names.includes('host')) {
    return err('AuthFailure.InvalidAuthorization', 'SignedHeaders must include content-type and host');
  }
  if (a.secretId !== cfg.secretId) return err('AuthFailure.SecretIdNotFound');
  if (Math.abs(Date.now() / 1000 - Number(ts)) > CLOCK_SKEW_S) return err('AuthFailure.SignatureExpire');
  if (a.date !== tc3.utcDate(ts)) {
    return err('AuthFailure.SignatureFailure', 'Credential date does not match the UTC date of X-TC-Timestamp.');
  }
  const u = new URL(req.url, 'http://standin');
  const canonicalRequest = tc3.canonicalRequest({
    method: req.method,
    path: u.pathname,
    query: u.search.slice(1),
    headers: req.headers, // Node lower-cases header names already
    signedHeaders: names,
    payload: raw,
  });
  const expected = tc3.signature(cfg.secretKey, ts, 'sms', tc3.stringToSign(ts, 'sms', canonicalRequest));
  const given = Buffer.from(a.signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, Buffer.from(expected))) {
    return err('AuthFailure.SignatureFailure');
  }
  return { ok: true };
}

// Validates the SendSms body; returns { error } or { request }.
function checkSendSms(cfg, raw) {
  const err = (code, message) => ({ error: { code, message } });
  const j = common.parseJsonObject(raw);
  if (!j.ok) return err('FailedOperation.JsonParseFail', `解析请求包体时候失败: ${j.error}`);
  const b = j.value;
  if (b.SmsSdkAppId === undefined || b.SmsSdkAppId === '') return err('MissingParameter', 'The request is missing a required parameter `SmsSdkAppId`.');
  if (String(b.SmsSdkAppId) !== cfg.sdkAppId) return err('InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId不存在。');
  if (typeof b.SignName !== 'string' || b.SignName !== cfg.signName) {
    return err('FailedOperation.SignatureIncorrectOrUnapproved', '签名未审批或格式错误。');
  }
  if (typeof b.TemplateId !== 'string' || !/^\d+$/.test(b.TemplateId)) {
    return err(b.TemplateId === undefined ? 'MissingParameter' : 'InvalidParameterValue.TemplateParameterFormatError', '模板ID缺失或格式错误。');
  }
  const params = b.TemplateParamSet === undefined ? [] : b.TemplateParamSet;
  if (!Array.isArray(params) || params.some((p) => typeof p !== 'string')) {
    return err('InvalidParameterValue.TemplateParameterFormatError', '验证码模板参数格式错误，TemplateParamSet须为字符串数组。');
  }
  if (b.SessionContext !== undefined && (typeof b.SessionContext !== 'string' || Buffer.byteLength(b.SessionContext) > 512)) {
    return err('InvalidParameterValue.ContentLengthLimit', 'SessionContext须为不超过512字节的字符串。');
  }
  const numbers = b.PhoneNumberSet;
  if (!Array.isArray(numbers) || numbers.length === 0) return err('MissingParameter', 'The request is missing a required parameter `PhoneNumberSet`.');
  if (numbers.length > MAX_NUMBERS) return err('LimitExceeded.PhoneNumberCountLimit', '调用接口单次提交的手机号个数超过200个。');
  return { request: { numbers, templateId: b.TemplateId, params, sessionContext: b.SessionContext === undefined ? '' : b.SessionContext } };
}

function createServer(cfg) {
  let st = freshState();

  // Tencent answers HTTP 200 even for failures; only Response.Error tells.
  function fail(res, code, message) {
    st.stats.errors[code] = (st.stats.errors[code] || 0) + 1;
    if (code.startsWith('AuthFailure.')) st.stats.signature_failures += 1;
    common.sendJson(res, 200, { Response: { Error: { Code: code, Message: message || MESSAGES[code] || code }, RequestId: crypto.randomUUID() } });
  }

  // PullSmsSendStatus: {"Limit": 1..100, "SmsSdkAppId"} → the receipts not
  // pulled yet, at most Limit, each handed out once.
  function pullStatus(res, raw) {
    st.stats.pulls += 1;
    const j = common.parseJsonObject(raw);
    if (!j.ok) return fail(res, 'FailedOperation.JsonParseFail', `解析请求包体时候失败: ${j.error}`);
    const b = j.value;
    if (b.SmsSdkAppId === undefined || b.SmsSdkAppId === '') return fail(res, 'MissingParameter', 'The request is missing a required parameter `SmsSdkAppId`.');
    if (String(b.SmsSdkAppId) !== cfg.sdkAppId) return fail(res, 'InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId不存在。');
    if (!Number.isSafeInteger(b.Limit) || b.Limit < 1 || b.Limit > 100) return fail(res, 'InvalidParameterValue.InvalidLimit', 'Limit须为1-100的整数。');
    const set = st.receipts.splice(0, b.Limit);
    return common.sendJson(res, 200, { Response: { PullSmsSendStatusSet: set, RequestId: crypto.randomUUID() } });
  }

  function api(req, res, raw) {
    st.stats.calls += 1;
    const action = req.headers['x-tc-action'];
    if (!action) return fail(res, 'MissingParameter', 'The request is missing a required parameter `Action`.');
    if (action !== 'SendSms' && action !== 'PullSmsSendStatus') return fail(res, 'InvalidAction', `The action \`${action}\` is not supported by this stand-in.`);
    if (req.headers['x-tc-version'] !== VERSION) return fail(res, 'NoSuchVersion', `The API version \`${req.headers['x-tc-version'] || ''}\` does not exist.`);
    const region = req.headers['x-tc-region'];
    if (!region) return fail(res, 'MissingParameter', 'The request is missing a required parameter `Region`.');
    if (!REGIONS.includes(region)) return fail(res, 'UnsupportedRegion', `The region \`${region}\` is not supported.`);
    const auth = checkAuth(cfg, req, raw);
    if (!auth.ok) {
      common.logLine(NAME, `refused: ${auth.code}: ${auth.message}`);
      return fail(res, auth.code, auth.message);
    }
    if (action === 'PullSmsSendStatus') return pullStatus(res, raw);
    // Injected faults model the service failing a genuine SendSms request.
    let perNumberFault = null;
    if (st.faults && st.faults.count > 0) {
      const f = st.faults;
      f.count -= 1;
      if (f.count === 0) st.faults = null;
      if (!f.perNumber) return fail(res, f.code, f.message);
      perNumberFault = f;
    }
    const v = checkSendSms(cfg, raw);
    if (v.error) return fail(res, v.error.code, v.error.message);
    const r = v.request;
    const sentAt = common.rfc3339China();
    const set = r.numbers.map((phone) => {
      const serialNo = `5000:${Date.now()}${String(++st.serial).padStart(6, '0')}`;
      let code = 'Ok';
      if (typeof phone !== 'string' || !PHONE_RE.test(phone)) code = 'InvalidParameterValue.IncorrectPhoneNumber';
      else if (perNumberFault) code = perNumberFault.code;
      if (code !== 'Ok') {
        st.stats.errors[code] = (st.stats.errors[code] || 0) + 1;
        return {
          SerialNo: '', PhoneNumber: String(phone), Fee: 0, SessionContext: r.sessionContext, Code: code,
          Message: (perNumberFault && perNumberFault.message) || MESSAGES[code] || code, IsoCode: 'DEF',
        };
      }
      st.stats.sent += 1;
      st.items.push({ phone, template_id: r.templateId, params: r.params, sent_at: sentAt, session_context: r.sessionContext, serial_no: serialNo });
      const lost = st.undeliverable.has(phone);
      st.receipts.push({
        UserReceiveTime: Math.floor(Date.now() / 1000), CountryCode: '86', SubscriberNumber: phone.slice(3),
        PhoneNumber: phone, SerialNo: serialNo, ReportStatus: lost ? 'FAIL' : 'SUCCESS',
        Description: lost ? 'UNDELIV' : 'DELIVRD', SessionContext: r.sessionContext,
      });
      return { SerialNo: serialNo, PhoneNumber: phone, Fee: 1, SessionContext: r.sessionContext, Code: 'Ok', Message: 'send success', IsoCode: 'CN' };
    });
    return common.sendJson(res, 200, { Response: { SendStatusSet: set, RequestId: crypto.randomUUID() } });
  }

  const controls = {
    'GET /_test/sms': (req, res, raw, u) => {
      const q = u.searchParams.get('phone');
      let phone = null;
      if (q) {
        const m = /^(?:\+?86)?(1\d{10})$/.exec(q.trim());
        if (!m) return common.sendTestError(res, 400, 'BAD_REQUEST', 'phone须为11位手机号');
        phone = '+86' + m[1];
      }
      const items = st.items.filter((i) => !phone || i.phone === phone).reverse();
      return common.sendJson(res, 200, { items });
    },
    'POST /_test/sms/faults': (req, res, raw) => {
      const j = common.parseJsonObject(raw);
      if (!j.ok) return common.sendTestError(res, 400, 'BAD_REQUEST', j.error);
      const b = j.value;
      const n = b.count === undefined ? 1 : b.count;
      if (typeof b.code !== 'string' || !b.code || !Number.isSafeInteger(n) || n < 0) {
        return common.sendTestError(res, 400, 'BAD_REQUEST', '须提供code(字符串)和count(非负整数)');
      }
      const perNumber = b.per_number === undefined ? isPerNumberCode(b.code) : b.per_number === true;
      st.faults = n === 0 ? null : { code: b.code, message: typeof b.message === 'string' ? b.message : undefined, count: n, perNumber };
      return common.sendJson(res, 200, { code: b.code, count: n, per_number: perNumber });
    },
    'POST /_test/sms/delay': (req, res, raw) => {
      const j = common.parseJsonObject(raw);
      if (!j.ok || !Number.isSafeInteger(j.value.ms) || j.value.ms < 0 || j.value.ms > 600000) {
        return common.sendTestError(res, 400, 'BAD_REQUEST', 'ms须为0-600000的整数');
      }
      st.delayMs = j.value.ms;
      return common.sendJson(res, 200, { ms: st.delayMs });
    },
    // {"phone":"13400000001","undeliverable":true|false}: that phone's
    // messages are accepted but their receipts say FAIL (UNDELIV).
    'POST /_test/sms/undeliverable': (req, res, raw) => {
      const j = common.parseJsonObject(raw);
      const m = j.ok && typeof j.value.phone === 'string' ? /^(?:\+?86)?(1\d{10})$/.exec(j.value.phone.trim()) : null;
      if (!m || (j.value.undeliverable !== undefined && typeof j.value.undeliverable !== 'boolean')) {
        return common.sendTestError(res, 400, 'BAD_REQUEST', '须提供phone(11位手机号)和undeliverable(布尔值)');
      }
      const phone = '+86' + m[1];
      if (j.value.undeliverable === false) st.undeliverable.delete(phone);
      else st.undeliverable.add(phone);
      return common.sendJson(res, 200, { phone, undeliverable: st.undeliverable.has(phone) });
    },
    'GET /_test/sms/stats': (req, res) => common.sendJson(res, 200, st.stats),
    'POST /_test/reset': (req, res) => {
      st = freshState();
      return common.sendJson(res, 200, { ok: true });
    },
  };

  async function handle(req, res) {
    const u = new URL(req.url, 'http://standin');
    let raw;
    try {
      raw = await common.readBody(req);
    } catch (e) {
      if (e.tooLarge) fail(res, 'InvalidParameter', 'Request body too large.');
      return;
    }
    if (u.pathname === '/') {
      if (req.method !== 'POST') return common.sendJson(res, 405, { Response: { Error: { Code: 'UnsupportedProtocol', Message: 'Only POST with a JSON body is supported by this stand-in.' }, RequestId: crypto.randomUUID() } });
      // The delay is taken from the state of the moment, so a test can hold a
      // request in flight and still reset afterwards.
      const wait = st.delayMs;
      if (wait) await new Promise((r) => setTimeout(r, wait));
      return api(req, res, raw);
    }
    const control = controls[`${req.method} ${u.pathname}`];
    if (control) return control(req, res, raw, u);
    if (u.pathname.startsWith('/_test/')) return common.sendTestError(res, 404, 'NOT_FOUND', 'not found');
    return common.sendJson(res, 404, { Response: { Error: { Code: 'ResourceNotFound', Message: `No such path: ${u.pathname}` }, RequestId: crypto.randomUUID() } });
  }

  return http.createServer((req, res) => {
    common.logRequests(NAME, req, res);
    handle(req, res).catch((e) => {
      common.logLine(NAME, `internal error: ${e.stack}`);
      if (!res.headersSent) common.sendJson(res, 500, { Response: { Error: { Code: 'InternalError', Message: 'stand-in internal error' }, RequestId: crypto.randomUUID() } });
      else res.destroy();
    });
  });
}

function main() {
  const file = common.configPathFromArgs(process.argv.slice(2), 'sms.js');
  let cfg;
  try {
    cfg = loadSmsConfig(file);
  } catch (e) {
    process.stderr.write(`sms stand-in: ${e.message}\n`);
    process.exit(2);
  }
  common.serve(NAME, createServer(cfg), cfg.host, cfg.port);
}

if (require.main === module) main();

module.exports = { createServer, loadSmsConfig };
