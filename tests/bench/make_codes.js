// make_codes.js — ask the WeChat stand-in for N pairs of one-time login
// codes (for the owner_login benchmark) and print one JSON body per line.
//   node make_codes.js http://127.0.0.1:18281 20000 13800000001 13800000002
const [base, count, ...phones] = process.argv.slice(2);
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function codes(phone) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + '/_test/wechat/codes', { method: 'POST', agent,
      headers: { 'Content-Type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => {
        try {
          const j = JSON.parse(data);
          resolve(JSON.stringify({ code: j.code, phone_code: j.phone_code }));
        } catch (e) { reject(e); }
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ phone }));
  });
}

(async () => {
  const n = Number(count);
  const out = [];
  for (let i = 0; i < n; i += 64) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + 64); k++) batch.push(codes(phones[k % phones.length]));
    out.push(...await Promise.all(batch));
  }
  process.stdout.write(out.join('\n') + '\n');
  agent.destroy();
})().catch((e) => { console.error(e); process.exit(1); });
