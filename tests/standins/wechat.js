#!/usr/bin/env node
// Local stand-in for WeChat: the mini-program server API (api.weixin.qq.com)
// and WeChat Pay API v3 (api.mch.weixin.qq.com) on one loopback HTTP server.
// It speaks the real protocols of PROTOCOLS.md §1–§2 so that our C client can
// be pointed at it by changing base URLs only: it checks the merchant's request
// signatures, signs its own answers with the platform key, encrypts payment
// notifications with the APIv3 key and delivers them with WeChat's retry
// schedule (compressed by retry_scale). Test controls live under /_test/.
//
// It is not a security boundary and keeps everything in memory: a restart (or
// POST /_test/reset) forgets all codes, tokens, orders and refunds.
//
//   node tests/standins/wechat.js --config FILE      (README.md lists the fields)
'use strict';

const http = require('http');
const https = require('https');
const crypto = require('crypto');
const common = require('./common');
const wxpay = require('./wxpay');

const NAME = 'wechat';

// WeChat Pay's documented notification retry delays, in seconds, after the
// first attempt (PROTOCOLS.md §2.5).
const RETRY_SCHEDULE_S = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];
const CODE_TTL_S = 300; // wx.login and phone codes live about five minutes
const TOKEN_TTL_S = 7200;
const STABLE_RENEW_S = 300; // stable_token hands out a new token in the last 5 minutes
const CLOCK_SKEW_S = 300; // WeChat Pay refuses request timestamps further off

const MINI_ENDPOINTS = ['jscode2session', 'stable_token', 'token', 'getuserphonenumber', 'subscribe_send'];
const PAY_ENDPOINTS = ['pay_jsapi', 'pay_query', 'pay_close', 'refund_create', 'refund_query'];

// ---------------------------------------------------------------- config

function loadWechatConfig(file) {
  const required = [
    'appid', 'secret_file', 'mchid', 'apiv3_key_file', 'merchant_serial', 'merchant_public_key_file',
    'platform_serial', 'platform_private_key_file', 'platform_public_key_file',
  ];
  const raw = common.loadConfig(file, required);
  const retryScale = raw.retry_scale === undefined ? 1 : Number(raw.retry_scale);
  const cfg = {
    host: raw.host || '127.0.0.1',
    port: raw.port === undefined ? 18081 : Number(raw.port),
    appid: raw.appid,
    secret: common.readSecretFile(raw, 'secret_file'),
    mchid: String(raw.mchid),
    apiv3Key: common.readSecretFile(raw, 'apiv3_key_file'),
    merchantSerial: raw.merchant_serial,
    merchantPublicKeyPem: common.readTextFile(raw, 'merchant_public_key_file'),
    platformSerial: raw.platform_serial,
    platformPrivateKeyPem: common.readTextFile(raw, 'platform_private_key_file'),
    platformPublicKeyPem: common.readTextFile(raw, 'platform_public_key_file'),
    retryScale,
    notifyTimeoutMs: raw.notify_timeout_ms === undefined ? 5000 : Number(raw.notify_timeout_ms),
    refundDelayMs: raw.refund_delay_ms === undefined ? 500 : Number(raw.refund_delay_ms),
    // The classic /cgi-bin/token keeps the previous token alive for a short
    // overlap (5 minutes at WeChat); compressed like the retry schedule.
    tokenOverlapMs: 1000 * (raw.token_overlap_s === undefined ? 300 * retryScale : Number(raw.token_overlap_s)),
  };
  if (Buffer.byteLength(cfg.apiv3Key) !== 32) throw new Error('the APIv3 key must be 32 bytes');
  if (!(retryScale > 0)) throw new Error('retry_scale must be positive');
  // Fail at start, not at the first signed request, when a key file is wrong.
  crypto.createPublicKey(cfg.merchantPublicKeyPem);
  crypto.createPrivateKey(cfg.platformPrivateKeyPem);
  return cfg;
}

// ---------------------------------------------------------------- state

// Everything the stand-in remembers. Reset replaces the whole object and marks
// the old one closed, so that a delivery or timer still running for the old
// state cannot write into the new one.
function freshState() {
  return {
    closed: false,
    loginCodes: new Map(), // code -> { phone, expiresAt, used }
    phoneCodes: new Map(),
    tokens: new Map(), // access_token -> { kind, expiresAt }
    stableToken: null,
    classicToken: null,
    messages: [], // subscribe messages, oldest first
    faults: new Map(), // endpoint -> { count, ...answer }
    delayMs: 0,
    payDelayMs: 0,
    stats: {},
    orders: new Map(), // out_trade_no -> order
    byTransactionId: new Map(),
    refunds: new Map(), // out_refund_no -> refund
    timers: new Set(),
    seq: 0,
  };
}

function later(st, ms, fn) {
  const t = setTimeout(() => {
    st.timers.delete(t);
    if (!st.closed) fn();
  }, ms);
  st.timers.add(t);
}

function closeState(st) {
  st.closed = true;
  for (const t of st.timers) clearTimeout(t);
  st.timers.clear();
}

const count = (st, name) => { st.stats[name] = (st.stats[name] || 0) + 1; };

function takeFault(st, endpoint) {
  const f = st.faults.get(endpoint);
  if (!f || f.count <= 0) return null;
  f.count -= 1;
  if (f.count === 0) st.faults.delete(endpoint);
  return f;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const randomDigits = (n) => Array.from(crypto.randomBytes(n), (b) => String(b % 10)).join('');
const compactDate = (ms = Date.now()) => common.rfc3339China(ms).replace(/\D/g, '').slice(0, 14); // YYYYMMDDhhmmss

// A new openid per phone, stable across restarts: tests can predict it and
// the same person keeps the same openid.
function openidFor(appid, phone) {
  return 'o' + crypto.createHash('sha256').update(appid + phone).digest('base64url').slice(0, 27);
}

// Accepts 11 mainland digits, optionally with +86 / 86 in front.
function normalizePhone(p) {
  if (typeof p !== 'string') return null;
  const m = /^(?:\+?86)?(1\d{10})$/.exec(p.trim());
  return m ? m[1] : null;
}

// ---------------------------------------------------------------- mini-program API

// WeChat appends a request id to its error messages; clients must match on
// errcode, never on errmsg, and this keeps them honest.
const wxErr = (errcode, errmsg) => ({ errcode, errmsg: `${errmsg} rid: ${crypto.randomBytes(6).toString('hex')}` });

function checkAppCredentials(cfg, appid, secret) {
  if (appid !== cfg.appid) return wxErr(40013, 'invalid appid');
  if (secret !== cfg.secret) return wxErr(40125, 'invalid appsecret');
  return null;
}

function checkAccessToken(st, token) {
  if (!token) return wxErr(41001, 'access_token missing');
  const t = st.tokens.get(token);
  if (!t) return wxErr(40001, 'invalid credential, access_token is invalid or not latest');
  if (t.expiresAt <= Date.now()) return wxErr(42001, 'access_token expired');
  return null;
}

function newToken(st, kind) {
  const token = `${compactDate().slice(2, 4)}_${crypto.randomBytes(60).toString('base64url')}`;
  st.tokens.set(token, { kind, expiresAt: Date.now() + TOKEN_TTL_S * 1000 });
  return token;
}

// A one-time code: used=true stays recorded so that a second use answers
// "code been used" rather than "invalid code", as WeChat does.
function takeCode(map, code) {
  const c = map.get(code);
  if (!c || c.expiresAt <= Date.now()) return { error: 'invalid' };
  if (c.used) return { error: 'used' };
  c.used = true;
  return { phone: c.phone };
}

const mini = {
  jscode2session(cfg, st, { query }) {
    const bad = checkAppCredentials(cfg, query.get('appid'), query.get('secret'));
    if (bad) return bad;
    if (query.get('grant_type') !== 'authorization_code') return wxErr(40002, 'invalid grant_type');
    if (!query.get('js_code')) return wxErr(41008, 'missing code');
    const r = takeCode(st.loginCodes, query.get('js_code'));
    if (r.error === 'used') return wxErr(40163, 'code been used');
    if (r.error) return wxErr(40029, 'invalid code');
    // No unionid: the demo app is not bound to an open-platform account.
    return { openid: openidFor(cfg.appid, r.phone), session_key: crypto.randomBytes(16).toString('base64') };
  },

  stable_token(cfg, st, { json }) {
    if (!json.ok) return wxErr(47001, 'data format error');
    const b = json.value;
    if (b.grant_type !== 'client_credential') return wxErr(40002, 'invalid grant_type');
    const bad = checkAppCredentials(cfg, b.appid, b.secret);
    if (bad) return bad;
    if (b.force_refresh !== undefined && typeof b.force_refresh !== 'boolean') return wxErr(47001, 'data format error');
    const now = Date.now();
    const cur = st.stableToken && st.tokens.get(st.stableToken);
    if (!b.force_refresh && cur && cur.expiresAt - now > STABLE_RENEW_S * 1000) {
      return { access_token: st.stableToken, expires_in: Math.floor((cur.expiresAt - now) / 1000) };
    }
    // A forced refresh kills the old stable token at once; a normal renewal in
    // the last minutes lets it live out its time.
    if (cur && b.force_refresh) cur.expiresAt = now;
    st.stableToken = newToken(st, 'stable');
    return { access_token: st.stableToken, expires_in: TOKEN_TTL_S };
  },

  token(cfg, st, { query }) {
    if (query.get('grant_type') !== 'client_credential') return wxErr(40002, 'invalid grant_type');
    const bad = checkAppCredentials(cfg, query.get('appid'), query.get('secret'));
    if (bad) return bad;
    // Each classic call invalidates the previous classic token after a short
    // overlap: several hosts fetching their own tokens knock each other out.
    const prev = st.classicToken && st.tokens.get(st.classicToken);
    if (prev) prev.expiresAt = Math.min(prev.expiresAt, Date.now() + cfg.tokenOverlapMs);
    st.classicToken = newToken(st, 'classic');
    return { access_token: st.classicToken, expires_in: TOKEN_TTL_S };
  },

  getuserphonenumber(cfg, st, { query, json }) {
    const bad = checkAccessToken(st, query.get('access_token'));
    if (bad) return bad;
    if (!json.ok) return wxErr(47001, 'data format error');
    if (typeof json.value.code !== 'string' || !json.value.code) return wxErr(40029, 'invalid code');
    const r = takeCode(st.phoneCodes, json.value.code);
    if (r.error) return wxErr(40029, 'invalid code');
    return {
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: r.phone,
        purePhoneNumber: r.phone,
        countryCode: '86',
        watermark: { timestamp: Math.floor(Date.now() / 1000), appid: cfg.appid },
      },
    };
  },

  subscribe_send(cfg, st, { query, json }) {
    const bad = checkAccessToken(st, query.get('access_token'));
    if (bad) return bad;
    if (!json.ok) return wxErr(47001, 'data format error');
    const b = json.value;
    if (typeof b.touser !== 'string' || !b.touser) return wxErr(47003, 'argument invalid! touser is empty');
    if (typeof b.template_id !== 'string' || !b.template_id) return wxErr(47003, 'argument invalid! template_id is empty');
    if (b.data !== undefined && (typeof b.data !== 'object' || b.data === null)) return wxErr(47003, 'argument invalid! data');
    const msgid = 2000000000 + ++st.seq;
    st.messages.push({
      msgid,
      touser: b.touser,
      template_id: b.template_id,
      page: b.page,
      data: b.data,
      miniprogram_state: b.miniprogram_state,
      lang: b.lang,
      sent_at: common.rfc3339China(),
    });
    return { errcode: 0, errmsg: 'ok', msgid };
  },
};

// ---------------------------------------------------------------- WeChat Pay

const payErr = (status, code, message, detail) => ({ status, body: detail ? { code, message, detail } : { code, message } });
const paramError = (message, field) =>
  payErr(400, 'PARAM_ERROR', message, field ? { field, location: 'body', value: null } : undefined);

// Checks the merchant's Authorization header (§2.1). Returns null when the
// request is genuine, otherwise the error answer.
function checkPaySignature(cfg, req, rawBody) {
  const a = wxpay.parseAuthorization(req.headers.authorization);
  if (!a) return payErr(401, 'SIGN_ERROR', 'Authorization头格式错误或缺少字段');
  if (a.mchid !== cfg.mchid) return payErr(401, 'SIGN_ERROR', '商户号与签名不匹配');
  if (a.serial_no.toUpperCase() !== String(cfg.merchantSerial).toUpperCase()) {
    return payErr(401, 'SIGN_ERROR', '商户证书序列号有误');
  }
  if (!/^\d{1,12}$/.test(a.timestamp) || Math.abs(Date.now() / 1000 - Number(a.timestamp)) > CLOCK_SKEW_S) {
    return payErr(401, 'SIGN_ERROR', '请求时间戳与服务器时间相差过大');
  }
  if (!a.nonce_str) return payErr(401, 'SIGN_ERROR', '缺少随机串');
  const msg = wxpay.requestMessage(req.method, req.url, a.timestamp, a.nonce_str, rawBody.toString('utf8'));
  if (!wxpay.rsaVerify(cfg.merchantPublicKeyPem, msg, a.signature)) {
    return payErr(401, 'SIGN_ERROR', '签名错误，请检查后再试');
  }
  return null;
}

// Deep-sorted serialization: "the same request" means the same content, not
// the same key order.
function canonicalJson(v) {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const RFC3339_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const isLoopback = (host) => host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
const isPositiveInt = (n) => Number.isSafeInteger(n) && n > 0;
const chars = (s) => [...s].length;

// WeChat Pay wants https without a query string; the stand-in also takes
// http:// on loopback so that `make run` needs no TLS for notifications.
function checkNotifyUrl(v) {
  if (typeof v !== 'string' || !v) return 'notify_url';
  let u;
  try {
    u = new URL(v);
  } catch (e) {
    return 'notify_url';
  }
  if (u.search || u.hash) return 'notify_url';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && isLoopback(u.hostname)) return null;
  return 'notify_url';
}

function validateJsapi(cfg, b) {
  if (typeof b.appid !== 'string' || !b.appid) return paramError('缺少参数appid', 'appid');
  if (typeof b.mchid !== 'string' || !b.mchid) return paramError('缺少参数mchid', 'mchid');
  if (b.mchid !== cfg.mchid) return payErr(400, 'MCH_NOT_EXISTS', '商户号不存在');
  if (b.appid !== cfg.appid) return payErr(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
  if (typeof b.description !== 'string' || chars(b.description) < 1 || chars(b.description) > 127) {
    return paramError('description长度须为1-127个字符', 'description');
  }
  if (typeof b.out_trade_no !== 'string' || !/^[A-Za-z0-9_\-|*]{6,32}$/.test(b.out_trade_no)) {
    return paramError('out_trade_no须为6-32位字母、数字、_-|*', 'out_trade_no');
  }
  if (b.time_expire !== undefined && (typeof b.time_expire !== 'string' || !RFC3339_RE.test(b.time_expire) || Number.isNaN(Date.parse(b.time_expire)))) {
    return paramError('time_expire格式错误，须为RFC 3339', 'time_expire');
  }
  if (b.attach !== undefined && (typeof b.attach !== 'string' || chars(b.attach) > 128)) {
    return paramError('attach长度不能超过128个字符', 'attach');
  }
  if (checkNotifyUrl(b.notify_url)) return paramError('notify_url格式错误', 'notify_url');
  if (!b.amount || typeof b.amount !== 'object' || !isPositiveInt(b.amount.total)) {
    return paramError('amount.total须为正整数(分)', 'amount.total');
  }
  if (b.amount.currency !== undefined && b.amount.currency !== 'CNY') return paramError('currency须为CNY', 'amount.currency');
  if (!b.payer || typeof b.payer !== 'object' || typeof b.payer.openid !== 'string' || !b.payer.openid) {
    return paramError('JSAPI下单须提供payer.openid', 'payer.openid');
  }
  return null;
}

const STATE_DESC = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  CLOSED: '订单已关闭',
  PAYERROR: '支付失败，请重新下单支付',
};

// The transaction as WeChat Pay shows it in queries and notifications. Fields
// that only exist once the user paid are left out before that, as WeChat does.
function transactionView(cfg, o) {
  const v = {
    appid: o.appid,
    mchid: o.mchid,
    out_trade_no: o.out_trade_no,
    trade_type: 'JSAPI',
    trade_state: o.trade_state,
    trade_state_desc: STATE_DESC[o.trade_state],
    attach: o.attach || '',
  };
  if (o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND') {
    Object.assign(v, {
      transaction_id: o.transaction_id,
      bank_type: 'OTHERS',
      success_time: o.success_time,
      payer: { openid: o.payer.openid },
      amount: { total: o.amount.total, payer_total: o.payer_total, currency: 'CNY', payer_currency: 'CNY' },
    });
    if (o.payer_total < o.amount.total) {
      v.promotion_detail = [{
        coupon_id: `CP${o.transaction_id.slice(-10)}`, name: '测试优惠券', scope: 'GLOBAL', type: 'CASH',
        amount: o.amount.total - o.payer_total, currency: 'CNY',
      }];
    }
  } else if (o.trade_state === 'PAYERROR') {
    Object.assign(v, { payer: { openid: o.payer.openid }, amount: { total: o.amount.total, currency: 'CNY', payer_currency: 'CNY' } });
  } else {
    v.amount = { payer_currency: 'CNY' };
  }
  return v;
}

function refundView(r) {
  const v = {
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    create_time: r.create_time,
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: r.total,
      refund: r.refund,
      payer_total: r.payer_total,
      payer_refund: r.payer_refund,
      settlement_total: r.total,
      settlement_refund: r.refund,
      discount_refund: r.refund - r.payer_refund,
      currency: 'CNY',
      refund_fee: 0,
    },
    promotion_detail: [],
  };
  if (r.success_time) v.success_time = r.success_time;
  return v;
}

function checkMchidQuery(cfg, query) {
  if (!query.get('mchid')) return paramError('缺少参数mchid', 'mchid');
  if (query.get('mchid') !== cfg.mchid) return paramError('mchid与请求签名不一致', 'mchid');
  return null;
}

const pay = {
  pay_jsapi(cfg, st, { json }) {
    if (!json.ok) return paramError(`请求体不是合法的JSON: ${json.error}`);
    const b = json.value;
    const bad = validateJsapi(cfg, b);
    if (bad) return bad;
    const existing = st.orders.get(b.out_trade_no);
    if (existing) {
      if (existing.trade_state === 'SUCCESS' || existing.trade_state === 'REFUND') return payErr(400, 'ORDERPAID', '该订单已支付');
      if (existing.trade_state === 'CLOSED') return payErr(400, 'ORDERCLOSED', '当前订单已关闭，请重新下单');
      if (existing.request !== canonicalJson(b)) return payErr(400, 'OUT_TRADE_NO_USED', '商户订单号重复');
      return { status: 200, body: { prepay_id: existing.prepay_id } };
    }
    const order = {
      appid: b.appid,
      mchid: b.mchid,
      out_trade_no: b.out_trade_no,
      description: b.description,
      attach: b.attach,
      notify_url: b.notify_url,
      time_expire: b.time_expire || null,
      amount: { total: b.amount.total, currency: 'CNY' },
      payer: { openid: b.payer.openid },
      request: canonicalJson(b),
      prepay_id: `wx${compactDate().slice(6)}${crypto.randomBytes(13).toString('hex')}`,
      created_at: common.rfc3339China(),
      trade_state: 'NOTPAY',
      transaction_id: null,
      success_time: null,
      payer_total: null,
      notifications: [],
      refunds: [],
    };
    st.orders.set(order.out_trade_no, order);
    return { status: 200, body: { prepay_id: order.prepay_id } };
  },

  pay_query(cfg, st, { query, params }) {
    const bad = checkMchidQuery(cfg, query);
    if (bad) return bad;
    const o = params.out_trade_no !== undefined
      ? st.orders.get(params.out_trade_no)
      : st.orders.get(st.byTransactionId.get(params.transaction_id));
    if (!o) return payErr(404, 'ORDER_NOT_EXIST', '订单不存在');
    return { status: 200, body: transactionView(cfg, o) };
  },

  pay_close(cfg, st, { json, params }) {
    if (!json.ok) return paramError(`请求体不是合法的JSON: ${json.error}`);
    if (json.value.mchid !== cfg.mchid) return paramError('mchid与请求签名不一致', 'mchid');
    const o = st.orders.get(params.out_trade_no);
    if (!o) return payErr(404, 'ORDER_NOT_EXIST', '订单不存在');
    if (o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND') return payErr(400, 'ORDERPAID', '订单已支付，不能关闭');
    o.trade_state = 'CLOSED';
    return { status: 204, body: null };
  },

  refund_create(cfg, st, { json }) {
    if (!json.ok) return paramError(`请求体不是合法的JSON: ${json.error}`);
    const b = json.value;
    if (typeof b.out_refund_no !== 'string' || !/^[A-Za-z0-9_\-|*@]{1,64}$/.test(b.out_refund_no)) {
      return paramError('out_refund_no须为1-64位字母、数字、_-|*@', 'out_refund_no');
    }
    if (b.reason !== undefined && (typeof b.reason !== 'string' || chars(b.reason) > 80)) return paramError('reason过长', 'reason');
    if (b.notify_url !== undefined && checkNotifyUrl(b.notify_url)) return paramError('notify_url格式错误', 'notify_url');
    const a = b.amount;
    if (!a || typeof a !== 'object' || !isPositiveInt(a.refund) || !isPositiveInt(a.total)) {
      return paramError('amount.refund和amount.total须为正整数(分)', 'amount');
    }
    if (a.currency !== 'CNY') return paramError('amount.currency须为CNY', 'amount.currency');
    let o;
    if (typeof b.transaction_id === 'string' && b.transaction_id) o = st.orders.get(st.byTransactionId.get(b.transaction_id));
    else if (typeof b.out_trade_no === 'string' && b.out_trade_no) o = st.orders.get(b.out_trade_no);
    else return paramError('transaction_id和out_trade_no须二选一', 'out_trade_no');
    if (!o) return payErr(404, 'RESOURCE_NOT_EXISTS', '订单不存在');

    const prior = st.refunds.get(b.out_refund_no);
    if (prior) {
      // out_refund_no is the merchant's idempotency key: a repeat gets the
      // same refund, a different request under the same number is refused.
      if (prior.out_trade_no !== o.out_trade_no || prior.refund !== a.refund || prior.total !== a.total) {
        return payErr(400, 'INVALID_REQUEST', '订单金额或退款金额与之前请求不一致，请核实后再试');
      }
      return { status: 200, body: refundView(prior) };
    }
    if (o.trade_state !== 'SUCCESS' && o.trade_state !== 'REFUND') return payErr(400, 'INVALID_REQUEST', '订单未支付，不能退款');
    if (a.total !== o.amount.total) return paramError('订单金额与原订单不一致', 'amount.total');
    const refunded = o.refunds.reduce((sum, r) => sum + (r.status === 'CLOSED' || r.status === 'ABNORMAL' ? 0 : r.refund), 0);
    if (refunded + a.refund > o.amount.total) return payErr(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');

    const r = {
      refund_id: `50${compactDate().slice(2)}${randomDigits(16)}`,
      out_refund_no: b.out_refund_no,
      transaction_id: o.transaction_id,
      out_trade_no: o.out_trade_no,
      notify_url: b.notify_url || null,
      create_time: common.rfc3339China(),
      success_time: null,
      status: 'PROCESSING',
      total: o.amount.total,
      refund: a.refund,
      payer_total: o.payer_total,
      // With a coupon the user gets back their share only; the rest returns to the coupon.
      payer_refund: Math.floor((a.refund * o.payer_total) / o.amount.total),
      notifications: [],
    };
    st.refunds.set(r.out_refund_no, r);
    o.refunds.push(r);
    o.trade_state = 'REFUND';
    const outcome = takeFault(st, 'refund_outcome');
    later(st, cfg.refundDelayMs, () => finishRefund(cfg, st, r, outcome ? outcome.refund_status : 'SUCCESS'));
    return { status: 200, body: refundView(r) };
  },

  refund_query(cfg, st, { params }) {
    const r = st.refunds.get(params.out_refund_no);
    if (!r) return payErr(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return { status: 200, body: refundView(r) };
  },
};

function finishRefund(cfg, st, r, status) {
  r.status = status;
  if (status === 'SUCCESS') r.success_time = common.rfc3339China();
  if (!r.notify_url) return;
  const plain = {
    mchid: cfg.mchid,
    out_trade_no: r.out_trade_no,
    transaction_id: r.transaction_id,
    out_refund_no: r.out_refund_no,
    refund_id: r.refund_id,
    refund_status: status,
    success_time: r.success_time || undefined,
    user_received_account: '支付用户零钱',
    amount: { total: r.total, refund: r.refund, payer_total: r.payer_total, payer_refund: r.payer_refund },
  };
  const summary = { SUCCESS: '退款成功', ABNORMAL: '退款异常', CLOSED: '退款关闭' }[status];
  startNotification(cfg, st, r.notifications, r.notify_url, `REFUND.${status}`, summary, 'refund', plain, false);
}

// ---------------------------------------------------------------- notifications

// One POST of a notification. Resolves { status, error } — status null when
// there was no answer in time; never rejects.
function postNotification(cfg, url, body) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const payload = Buffer.from(body);
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': payload.length,
      'User-Agent': 'Mozilla/4.0 (wuye wechat stand-in)',
      // Signed per attempt: a retry hours later must still pass the 5-minute check.
      ...wxpay.signedHeaders(cfg.platformPrivateKeyPem, cfg.platformSerial, body),
    };
    let done = false;
    const finish = (r) => { if (!done) { done = true; clearTimeout(timer); resolve(r); } };
    const req = lib.request(u, {
      method: 'POST',
      headers,
      // Self-signed certificates only exist on loopback test setups.
      rejectUnauthorized: !isLoopback(u.hostname),
    }, (res) => {
      res.resume();
      res.on('end', () => finish({ status: res.statusCode, error: null }));
      res.on('error', () => finish({ status: res.statusCode, error: null }));
    });
    const timer = setTimeout(() => {
      finish({ status: null, error: 'timeout' });
      req.destroy();
    }, cfg.notifyTimeoutMs);
    req.on('error', (e) => finish({ status: null, error: e.code || e.message }));
    req.end(payload);
  });
}

// Builds the encrypted envelope once (one notification id for all retries)
// and delivers it on WeChat's schedule until a 2xx answer.
function startNotification(cfg, st, list, url, eventType, summary, originalType, plain, duplicate) {
  const resource = wxpay.encryptResource(cfg.apiv3Key, JSON.stringify(plain), originalType);
  const envelope = {
    id: `EV-${compactDate()}${randomDigits(6)}`,
    create_time: common.rfc3339China(),
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary,
    resource: { original_type: originalType, ...resource },
  };
  const note = { id: envelope.id, event_type: eventType, notify_url: url, delivered: false, gave_up: false, next_at: null, attempts: [] };
  list.push(note);
  const body = JSON.stringify(envelope);
  count(st, 'notifications');

  const attempt = async (n, extra) => {
    const t0 = Date.now();
    const r = await postNotification(cfg, url, body);
    const rec = { attempt: n, at: new Date(t0).toISOString(), status: r.status, ms: Date.now() - t0 };
    if (r.error) rec.error = r.error;
    if (extra) rec.duplicate = true;
    note.attempts.push(rec);
    common.logLine(NAME, `notify ${eventType} ${url} attempt=${n}${extra ? ' duplicate' : ''} -> ${r.status || r.error}`);
    return r.status >= 200 && r.status < 300;
  };
  const run = async (n) => {
    if (st.closed) return;
    note.next_at = null;
    if (await attempt(n, false)) {
      note.delivered = true;
      return;
    }
    if (n > RETRY_SCHEDULE_S.length) {
      note.gave_up = true; // after the last retry only an order query tells
      return;
    }
    const delay = RETRY_SCHEDULE_S[n - 1] * 1000 * cfg.retryScale;
    note.next_at = new Date(Date.now() + delay).toISOString();
    later(st, delay, () => run(n + 1));
  };
  run(1);
  // The same notification can reach the merchant twice at once over
  // different paths; a test asks for that to prove applying is idempotent.
  if (duplicate) attempt(1, true).then((ok) => { if (ok) note.delivered = true; });
  return note;
}

// ---------------------------------------------------------------- test controls

function testPay(cfg, st, { json, params }) {
  const o = st.orders.get(params.out_trade_no);
  if (!o) return testErr(404, 'NOT_FOUND', '没有这个订单');
  if (!json.ok) return testErr(400, 'BAD_REQUEST', json.error);
  const b = json.value;
  if (b.result !== 'SUCCESS' && b.result !== 'PAYERROR') return testErr(400, 'BAD_REQUEST', 'result须为SUCCESS或PAYERROR');
  if (o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND') return testErr(409, 'ORDERPAID', '订单已支付');
  // Paying a closed or expired order is what the real service prevents; a
  // test may still force it to model "the user paid in the last second".
  const expired = o.time_expire && Date.parse(o.time_expire) <= Date.now();
  if ((o.trade_state === 'CLOSED' || expired) && b.force !== true) {
    return testErr(409, 'ORDERCLOSED', o.trade_state === 'CLOSED' ? '订单已关闭' : '订单已过期');
  }
  if (b.result === 'PAYERROR') {
    // Failed payments produce no notification, only a query shows them.
    o.trade_state = 'PAYERROR';
    return { status: 200, body: testPayView(cfg, o) };
  }
  if (b.payer_total !== undefined && !(Number.isSafeInteger(b.payer_total) && b.payer_total > 0 && b.payer_total <= o.amount.total)) {
    return testErr(400, 'BAD_REQUEST', 'payer_total须为不超过订单金额的正整数');
  }
  o.trade_state = 'SUCCESS';
  o.transaction_id = `4200${randomDigits(6)}${compactDate().slice(0, 8)}${randomDigits(10)}`;
  o.success_time = common.rfc3339China();
  o.payer_total = b.payer_total === undefined ? o.amount.total : b.payer_total;
  st.byTransactionId.set(o.transaction_id, o.out_trade_no);
  startNotification(cfg, st, o.notifications, o.notify_url, 'TRANSACTION.SUCCESS', '支付成功', 'transaction',
    transactionView(cfg, o), b.duplicate === true);
  return { status: 200, body: testPayView(cfg, o) };
}

function testPayView(cfg, o) {
  return {
    order: {
      ...transactionView(cfg, o),
      description: o.description,
      notify_url: o.notify_url,
      time_expire: o.time_expire,
      prepay_id: o.prepay_id,
      created_at: o.created_at,
      amount_total: o.amount.total,
    },
    notifications: o.notifications,
    refunds: (o.refunds || []).map((r) => ({ ...refundView(r), notify_url: r.notify_url, notifications: r.notifications })),
  };
}

const testErr = (status, code, message) => ({ status, body: { error: { code, message } } });

const controls = {
  codes(cfg, st, { json }) {
    if (!json.ok) return testErr(400, 'BAD_REQUEST', json.error);
    const phone = normalizePhone(json.value.phone);
    if (!phone) return testErr(400, 'BAD_REQUEST', 'phone须为11位手机号');
    const ttl = json.value.ttl_s === undefined ? CODE_TTL_S : Number(json.value.ttl_s);
    if (!(ttl >= 0)) return testErr(400, 'BAD_REQUEST', 'ttl_s须为非负数');
    const expiresAt = Date.now() + ttl * 1000;
    const code = crypto.randomBytes(24).toString('base64url');
    const phoneCode = crypto.randomBytes(32).toString('hex');
    st.loginCodes.set(code, { phone, expiresAt, used: false });
    st.phoneCodes.set(phoneCode, { phone, expiresAt, used: false });
    return { status: 200, body: { code, phone_code: phoneCode, openid: openidFor(cfg.appid, phone) } };
  },

  faults(cfg, st, { json }) {
    if (!json.ok) return testErr(400, 'BAD_REQUEST', json.error);
    const b = json.value;
    const n = b.count === undefined ? 1 : b.count;
    if (!Number.isSafeInteger(n) || n < 0) return testErr(400, 'BAD_REQUEST', 'count须为非负整数');
    let f;
    if (MINI_ENDPOINTS.includes(b.endpoint)) {
      if (!Number.isSafeInteger(b.errcode) || b.errcode === 0) return testErr(400, 'BAD_REQUEST', 'errcode须为非零整数');
      f = { errcode: b.errcode, errmsg: typeof b.errmsg === 'string' ? b.errmsg : defaultErrmsg(b.errcode) };
    } else if (PAY_ENDPOINTS.includes(b.endpoint)) {
      const status = b.status === undefined ? 500 : b.status;
      if (!Number.isSafeInteger(status) || status < 400 || status > 599) return testErr(400, 'BAD_REQUEST', 'status须为4xx或5xx');
      f = { status, code: b.code || 'SYSTEM_ERROR', message: b.message || '系统错误' };
    } else if (b.endpoint === 'refund_outcome') {
      if (!['SUCCESS', 'ABNORMAL', 'CLOSED'].includes(b.refund_status)) return testErr(400, 'BAD_REQUEST', 'refund_status须为SUCCESS、ABNORMAL或CLOSED');
      f = { refund_status: b.refund_status };
    } else {
      return testErr(400, 'BAD_REQUEST', `endpoint须为: ${[...MINI_ENDPOINTS, ...PAY_ENDPOINTS, 'refund_outcome'].join(', ')}`);
    }
    if (n === 0) st.faults.delete(b.endpoint);
    else st.faults.set(b.endpoint, { ...f, count: n });
    return { status: 200, body: { endpoint: b.endpoint, ...f, count: n } };
  },

  delay(cfg, st, { json }) {
    if (!json.ok) return testErr(400, 'BAD_REQUEST', json.error);
    const b = json.value;
    const ok = (v) => v === undefined || (Number.isSafeInteger(v) && v >= 0 && v <= 600000);
    if (!ok(b.ms) || !ok(b.pay_ms) || (b.ms === undefined && b.pay_ms === undefined)) {
      return testErr(400, 'BAD_REQUEST', 'ms/pay_ms须为0-600000的整数');
    }
    if (b.ms !== undefined) st.delayMs = b.ms;
    if (b.pay_ms !== undefined) st.payDelayMs = b.pay_ms;
    return { status: 200, body: { ms: st.delayMs, pay_ms: st.payDelayMs } };
  },

  stats(cfg, st) {
    const zero = Object.fromEntries([...MINI_ENDPOINTS, ...PAY_ENDPOINTS, 'pay_sign_errors', 'notifications'].map((k) => [k, 0]));
    return { status: 200, body: { ...zero, ...st.stats } };
  },

  messages(cfg, st, { query }) {
    const who = query.get('openid');
    const items = st.messages.filter((m) => !who || m.touser === who).reverse();
    return { status: 200, body: { items } };
  },

  expireTokens(cfg, st) {
    const now = Date.now();
    for (const t of st.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
    return { status: 200, body: { expired: st.tokens.size } };
  },

  payView(cfg, st, { params }) {
    const o = st.orders.get(params.out_trade_no);
    if (!o) return testErr(404, 'NOT_FOUND', '没有这个订单');
    return { status: 200, body: testPayView(cfg, o) };
  },

  identity(cfg) {
    return {
      status: 200,
      body: {
        appid: cfg.appid,
        mchid: cfg.mchid,
        apiv3_key: cfg.apiv3Key,
        platform_serial: cfg.platformSerial,
        platform_private_key_pem: cfg.platformPrivateKeyPem,
        platform_public_key_pem: cfg.platformPublicKeyPem,
        merchant_serial: cfg.merchantSerial,
        merchant_public_key_pem: cfg.merchantPublicKeyPem,
      },
    };
  },
};

function defaultErrmsg(errcode) {
  return { '-1': 'system error', 45011: 'api minute-quota reach limit  mustslower  retry next minute', 40226: 'invalid user' }[errcode] || 'injected fault';
}

// ---------------------------------------------------------------- routing

// One row per endpoint: the table is the list of what exists. The first row
// whose method and path both match wins, so /_test/pay/identity (GET) sits
// above /_test/pay/{out_trade_no}.
const SEG = '([^/]+)';
const ROUTES = [
  ['GET', '/sns/jscode2session', 'mini', 'jscode2session'],
  ['POST', '/cgi-bin/stable_token', 'mini', 'stable_token'],
  ['GET', '/cgi-bin/token', 'mini', 'token'],
  ['POST', '/wxa/business/getuserphonenumber', 'mini', 'getuserphonenumber'],
  ['POST', '/cgi-bin/message/subscribe/send', 'mini', 'subscribe_send'],
  ['POST', '/v3/pay/transactions/jsapi', 'pay', 'pay_jsapi'],
  ['GET', `/v3/pay/transactions/out-trade-no/${SEG}`, 'pay', 'pay_query', ['out_trade_no']],
  ['GET', `/v3/pay/transactions/id/${SEG}`, 'pay', 'pay_query', ['transaction_id']],
  ['POST', `/v3/pay/transactions/out-trade-no/${SEG}/close`, 'pay', 'pay_close', ['out_trade_no']],
  ['POST', '/v3/refund/domestic/refunds', 'pay', 'refund_create'],
  ['GET', `/v3/refund/domestic/refunds/${SEG}`, 'pay', 'refund_query', ['out_refund_no']],
  ['POST', '/_test/wechat/codes', 'test', 'codes'],
  ['POST', '/_test/wechat/faults', 'test', 'faults'],
  ['POST', '/_test/wechat/delay', 'test', 'delay'],
  ['GET', '/_test/wechat/stats', 'test', 'stats'],
  ['GET', '/_test/wechat/messages', 'test', 'messages'],
  ['POST', '/_test/wechat/expire_tokens', 'test', 'expireTokens'],
  ['POST', '/_test/reset', 'test', 'reset'],
  ['GET', '/_test/pay/identity', 'test', 'identity'],
  ['GET', `/_test/pay/${SEG}`, 'test', 'payView', ['out_trade_no']],
  ['POST', `/_test/pay/${SEG}`, 'test', 'testPay', ['out_trade_no']],
].map(([method, path, group, name, names = []]) => ({ method, re: new RegExp(`^${path}$`), group, name, names }));

// Errors that happen before any handler runs still answer in the shape of the
// API the path belongs to.
function groupOf(path) {
  if (path.startsWith('/v3/')) return 'pay';
  if (path.startsWith('/_test/')) return 'test';
  return 'mini';
}

function shapeError(group, status, code, message) {
  if (group === 'pay') return payErr(status, code, message);
  if (group === 'test') return testErr(status, code, message);
  return { status, body: { errcode: status === 404 ? 404 : -1, errmsg: message } };
}

function createServer(cfg) {
  let st = freshState();

  // WeChat Pay signs every answer, errors and 204s included; the client must
  // verify before it believes any of them.
  function sendPay(res, status, obj) {
    const body = obj === null ? '' : JSON.stringify(obj);
    const headers = {
      ...wxpay.signedHeaders(cfg.platformPrivateKeyPem, cfg.platformSerial, body),
      'Request-ID': crypto.randomUUID(),
    };
    if (obj !== null) headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Content-Length'] = Buffer.byteLength(body);
    res.writeHead(status, headers);
    res.end(body);
  }

  function send(res, group, r) {
    if (group === 'pay') sendPay(res, r.status, r.body);
    else common.sendJson(res, r.status, r.body);
  }

  async function handle(req, res) {
    const u = new URL(req.url, 'http://standin');
    const path = u.pathname;
    let raw;
    try {
      raw = await common.readBody(req);
    } catch (e) {
      if (e.tooLarge) send(res, groupOf(path), shapeError(groupOf(path), 413, 'PARAM_ERROR', '请求体过大'));
      return;
    }
    let route = null;
    let match = null;
    let pathKnown = false;
    for (const r of ROUTES) {
      const m = r.re.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (r.method === req.method) {
        route = r;
        match = m;
        break;
      }
    }
    if (!route) {
      const g = groupOf(path);
      const r = pathKnown ? shapeError(g, 405, 'METHOD_NOT_ALLOWED', 'method not allowed') : shapeError(g, 404, 'NOT_FOUND', 'not found');
      send(res, g, r);
      return;
    }
    const params = {};
    try {
      route.names.forEach((n, i) => { params[n] = decodeURIComponent(match[i + 1]); });
    } catch (e) {
      send(res, route.group, shapeError(route.group, 400, 'PARAM_ERROR', 'bad path encoding'));
      return;
    }
    const ctx = { query: u.searchParams, params, raw, json: raw.length ? common.parseJsonObject(raw) : { ok: false, error: 'empty body' } };
    if (req.method === 'GET') ctx.json = { ok: true, value: {} };

    if (route.group === 'test') {
      if (route.name === 'reset') {
        closeState(st);
        st = freshState();
        send(res, 'test', { status: 200, body: { ok: true } });
        return;
      }
      const fn = route.name === 'testPay' ? testPay : controls[route.name];
      send(res, 'test', fn(cfg, st, ctx));
      return;
    }

    const cur = st;
    count(cur, route.name);
    if (route.group === 'mini') {
      const f = takeFault(cur, route.name);
      const r = f ? { errcode: f.errcode, errmsg: f.errmsg } : mini[route.name](cfg, cur, ctx);
      if (cur.delayMs) await sleep(cur.delayMs);
      common.sendJson(res, 200, r);
      return;
    }

    // WeChat Pay: the signature is checked before anything else, and injected
    // faults only hit requests that would otherwise have been served.
    if (!req.headers['user-agent']) {
      sendPay(res, 400, { code: 'INVALID_REQUEST', message: 'HTTP头缺少User-Agent' });
      return;
    }
    const bad = checkPaySignature(cfg, req, raw);
    if (bad) {
      count(cur, 'pay_sign_errors');
      common.logLine(NAME, `refused ${req.method} ${path}: ${bad.body.message}`);
      sendPay(res, bad.status, bad.body);
      return;
    }
    const f = takeFault(cur, route.name);
    const r = f ? payErr(f.status, f.code, f.message) : pay[route.name](cfg, cur, ctx);
    if (cur.payDelayMs) await sleep(cur.payDelayMs);
    sendPay(res, r.status, r.body);
  }

  const server = http.createServer((req, res) => {
    common.logRequests(NAME, req, res);
    handle(req, res).catch((e) => {
      // A bug in the stand-in must show up in the test, not kill the process.
      common.logLine(NAME, `internal error: ${e.stack}`);
      if (!res.headersSent) common.sendJson(res, 500, { code: 'SYSTEM_ERROR', message: 'stand-in internal error' });
      else res.destroy();
    });
  });
  server.stopTimers = () => closeState(st);
  return server;
}

function main() {
  const file = common.configPathFromArgs(process.argv.slice(2), 'wechat.js');
  let cfg;
  try {
    cfg = loadWechatConfig(file);
  } catch (e) {
    process.stderr.write(`wechat stand-in: ${e.message}\n`);
    process.exit(2);
  }
  const server = createServer(cfg);
  common.serve(NAME, server, cfg.host, cfg.port, () => server.stopTimers());
}

if (require.main === module) main();

module.exports = { createServer, loadWechatConfig, openidFor, RETRY_SCHEDULE_S };
