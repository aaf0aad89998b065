// Shared plumbing of the local stand-ins (wechat.js, sms.js): configuration
// files, secrets, request bodies, JSON answers, the one-line request log and a
// clean shutdown. Nothing protocol-specific lives here; each stand-in shapes its
// own errors the way the real service does.
'use strict';

const fs = require('fs');
const path = require('path');

// Bodies above this are refused: the real services refuse far smaller ones, and
// a runaway client must not make the stand-in eat the test machine's memory.
const MAX_BODY_BYTES = 1024 * 1024;

function usage(name) {
  process.stderr.write(`usage: node ${name} --config FILE\n`);
  process.exit(2);
}

// Reads `--config FILE` (or `--config=FILE`) from argv; the config is mandatory
// because the stand-ins must never fall back to built-in secrets silently.
function configPathFromArgs(argv, name) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config' && argv[i + 1]) return argv[i + 1];
    if (argv[i].startsWith('--config=')) return argv[i].slice('--config='.length);
  }
  return usage(name);
}

// Relative paths in a config are tried against the config file's folder first
// (so a config and its key files can travel together), then against the
// current directory (so a config written with repo-relative paths also works).
function resolveFrom(configFile, p) {
  if (path.isAbsolute(p)) return p;
  const besideConfig = path.resolve(path.dirname(configFile), p);
  return fs.existsSync(besideConfig) ? besideConfig : path.resolve(p);
}

// Loads the JSON config and checks the named fields exist; fails loudly at
// start rather than half-working later.
function loadConfig(configFile, required) {
  let cfg;
  try {
    cfg = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read config ${configFile}: ${e.message}`);
  }
  const missing = required.filter((k) => cfg[k] === undefined || cfg[k] === '');
  if (missing.length) throw new Error(`config ${configFile} lacks: ${missing.join(', ')}`);
  cfg._file = configFile;
  return cfg;
}

// Secret files usually end with a newline written by an editor or `echo`;
// the secret itself never does.
function readSecretFile(cfg, field) {
  const file = resolveFrom(cfg._file, cfg[field]);
  return fs.readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
}

function readTextFile(cfg, field) {
  return fs.readFileSync(resolveFrom(cfg._file, cfg[field]), 'utf8');
}

// Collects the raw body as a Buffer: signatures are computed over the exact
// bytes, so the body must not be decoded and re-encoded before checking them.
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('body too large'), { tooLarge: true }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// JSON.parse that reports failure instead of throwing, and insists on an
// object: every body these protocols accept is a JSON object.
function parseJsonObject(buf) {
  try {
    const v = JSON.parse(buf.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return { ok: true, value: v };
    return { ok: false, error: 'body is not a JSON object' };
  } catch (e) {
    return { ok: false, error: e.message };
  }
}

function sendJson(res, status, obj, headers = {}) {
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    ...headers,
  });
  res.end(body);
}

// Test-control errors use the project's own API shape (API.md), since only
// our tests ever call /_test/.
function sendTestError(res, status, code, message) {
  sendJson(res, status, { error: { code, message } });
}

// Credentials travel in the query string of some WeChat calls; the log must
// never show them. Phone numbers are masked as everywhere in the project.
function redactUrl(url) {
  return url
    .replace(/([?&](?:secret|access_token)=)[^&]*/g, '$1***')
    .replace(/([?&]phone=(?:%2B|\+)?(?:86)?\d{3})\d{4}(\d{4})/gi, '$1****$2');
}

function logLine(name, text) {
  process.stdout.write(`${new Date().toISOString()} ${name} ${text}\n`);
}

// Logs one line per request once the answer is finished (so the status is
// known), whatever path produced the answer.
function logRequests(name, req, res) {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    logLine(name, `${req.method} ${redactUrl(req.url)} ${res.statusCode} ${ms.toFixed(1)}ms`);
  });
}

// Starts listening and installs the signal handlers. Port 0 picks a free port;
// the "listening" line is what selftest.js (and scripts) wait for.
function serve(name, server, host, port, onStop) {
  server.listen(port, host, () => {
    const a = server.address();
    logLine(name, `listening http://${a.address}:${a.port}`);
  });
  server.on('error', (e) => {
    logLine(name, `server error: ${e.message}`);
    process.exit(1);
  });
  let stopping = false;
  const stop = (sig) => {
    if (stopping) return;
    stopping = true;
    logLine(name, `${sig}: stopping`);
    if (onStop) onStop();
    server.close(() => process.exit(0));
    // Keep-alive clients would hold close() open forever.
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

// RFC 3339 in China time, the form both WeChat Pay and our API use.
function rfc3339China(ms = Date.now()) {
  const d = new Date(ms + 8 * 3600 * 1000);
  return d.toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

module.exports = {
  configPathFromArgs,
  loadConfig,
  readSecretFile,
  readTextFile,
  readBody,
  parseJsonObject,
  sendJson,
  sendTestError,
  logLine,
  logRequests,
  serve,
  rfc3339China,
  redactUrl,
};
