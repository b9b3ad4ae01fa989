'use strict';
// node --test: the statements, the CloudFormation answers, and the wire protocol against a local
// PostgreSQL (initdb and postgres on the PATH) with TLS from a throwaway CA and SCRAM-SHA-256.

const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { test, before, after } = require('node:test');

const index = require('./index.js');

const event = (type, users = ['orders', 'billing-api']) => ({
  RequestType: type, ResponseURL: 'https://example.com/response', StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Users',
  ResourceProperties: { Host: 'db.example.com', Port: '5432', Database: 'orders', SecretArn: 'arn:secret', Users: users },
});

test('the statements are the Aurora function\'s, statement for statement', () => {
  const python = execFileSync('python3', ['-c',
    'import json, index; print(json.dumps(index.statements("orders_db", ["orders", "billing-api"])))'],
  { cwd: path.join(__dirname, '..', 'users'), encoding: 'utf8' });
  assert.deepEqual(index.statements('orders_db', ['orders', 'billing-api']), JSON.parse(python));
});

test('an identifier that would need quoting is refused', () => {
  for (const bad of ['Orders', 'o"rders', "o'rders", '1orders', '', 'a'.repeat(64), 42]) {
    assert.throws(() => index.statements('db', [bad]), /invalid database identifier/, String(bad));
  }
  assert.throws(() => index.statements('db"x', ['ok']), /invalid database identifier/);
});

test('a failure is answered FAILED at once, and Delete touches nothing', async () => {
  const sent = [];
  const send = async (url, body) => { sent.push(JSON.parse(body)); };
  await index.handle(event('Create'), { readSecret: async () => { throw new Error('AccessDenied'); }, send });
  await index.handle(event('Delete'), { readSecret: async () => { throw new Error('must not be read'); }, send });
  assert.equal(sent[0].Status, 'FAILED');
  assert.match(sent[0].Reason, /AccessDenied/);
  assert.equal(sent[0].PhysicalResourceId, 'db.example.com/orders');
  assert.equal(sent[1].Status, 'SUCCESS');
});

// ---- a real server ----

const initdb = (() => {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (fs.existsSync(path.join(dir, 'initdb'))) return path.join(dir, 'initdb');
  }
  return null;
})();
const skip = initdb ? false : 'initdb is not on the PATH: install PostgreSQL to run the wire-protocol tests';

let dir; let server; let port; let ca;
const master = { username: 'master', password: 'p@ss w0rd/=+' };

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-pg-'));
  const run = (cmd, args) => execFileSync(cmd, args, { cwd: dir, stdio: 'pipe' });
  // A CA, and a server certificate for localhost signed by it.
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=stratus-test-ca']);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost\n');
  run('openssl', ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf']);
  fs.chmodSync(path.join(dir, 'server.key'), 0o600);
  ca = fs.readFileSync(path.join(dir, 'ca.pem'));
  fs.writeFileSync(path.join(dir, 'pw'), master.password + '\n');
  const args = ['-D', path.join(dir, 'data'), '-U', master.username, '--pwfile', path.join(dir, 'pw'), '--auth', 'scram-sha-256', '-E', 'UTF8'];
  if (process.getuid && process.getuid() === 0) {
    // PostgreSQL refuses to run as root: hand the folder to nobody and run as that user.
    execFileSync('chown', ['-R', 'nobody', dir]);
    execFileSync('chmod', ['755', dir]);
    execFileSync('su', ['-s', '/bin/sh', 'nobody', '-c', [initdb, ...args].map((a) => `'${a}'`).join(' ')], { stdio: 'pipe' });
  } else {
    run(initdb, args);
  }
  port = await freePort();
  const hba = [
    'hostssl all md5user 127.0.0.1/32 md5',
    'hostssl all all 127.0.0.1/32 scram-sha-256',
  ].join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'data', 'pg_hba.conf'), hba);
  const opts = ['-D', path.join(dir, 'data'), '-p', String(port), '-k', dir, '-h', '127.0.0.1',
    '-c', 'ssl=on', '-c', `ssl_cert_file=${path.join(dir, 'server.pem')}`, '-c', `ssl_key_file=${path.join(dir, 'server.key')}`];
  const postgres = path.join(path.dirname(initdb), 'postgres');
  server = process.getuid && process.getuid() === 0
    ? spawn('su', ['-s', '/bin/sh', 'nobody', '-c', [postgres, ...opts].map((a) => `'${a}'`).join(' ')], { stdio: 'ignore', detached: true })
    : spawn(postgres, opts, { stdio: 'ignore', detached: true });
  for (let i = 0; ; i++) {
    try {
      const c = await index.connect({ host: 'localhost', port, database: 'postgres', user: master.username, password: master.password, ca, timeoutMs: 2000 });
      // Vanilla PostgreSQL has no rds_iam role; RDS does. A database for the service, and a user
      // whose password is stored as MD5 (older RDS parameter groups).
      await c.query('CREATE ROLE rds_iam');
      await c.query('CREATE DATABASE orders');
      await c.query("SET password_encryption = 'md5'");
      await c.query("CREATE ROLE md5user LOGIN SUPERUSER PASSWORD 'md5-secret'");
      // A role that may grant one privilege on the database, but not CONNECT.
      await c.query("SET password_encryption = 'scram-sha-256'");
      await c.query("CREATE ROLE weak LOGIN PASSWORD 'weak-secret'");
      await c.query('GRANT TEMPORARY ON DATABASE orders TO weak WITH GRANT OPTION');
      c.end();
      break;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
});

after(async () => {
  if (!dir) return;
  // The postmaster's pid is the first line of its pid file; SIGQUIT is an immediate shutdown.
  const pidFile = path.join(dir, 'data', 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    try { process.kill(pid, 'SIGQUIT'); } catch { /* gone already */ }
    for (let i = 0; i < 50; i++) {
      try { process.kill(pid, 0); } catch { break; }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (server) server.unref();
  fs.rmSync(dir, { recursive: true, force: true });
});

// check runs a query that raises unless the condition holds.
async function check(client, condition, what) {
  await client.query(`DO $$ BEGIN IF NOT (${condition}) THEN RAISE EXCEPTION '${what}'; END IF; END $$`);
}

test('the users are created over TLS with SCRAM, with IAM login and their grants, and again changes nothing', { skip }, async () => {
  const props = { Host: 'localhost', Port: String(port), Database: 'orders', Users: ['orders', 'billing-api'] };
  await index.apply(props, master, { ca });
  await index.apply(props, master, { ca }); // idempotent
  const c = await index.connect({ host: 'localhost', port, database: 'orders', user: master.username, password: master.password, ca });
  for (const user of props.Users) {
    await check(c, `EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${user}' AND rolcanlogin AND NOT rolsuper)`, `${user} missing`);
    await check(c, `pg_has_role('${user}', 'rds_iam', 'member')`, `${user} lacks rds_iam`);
    await check(c, `has_database_privilege('${user}', 'orders', 'CONNECT')`, `${user} cannot connect`);
    await check(c, `has_schema_privilege('${user}', 'public', 'CREATE')`, `${user} cannot create`);
  }
  await assert.rejects(check(c, 'false', 'a failing check'), /a failing check/, 'check can fail');
  c.end();
});

test('an MD5 password works too', { skip }, async () => {
  const c = await index.connect({ host: 'localhost', port, database: 'postgres', user: 'md5user', password: 'md5-secret', ca });
  c.end();
});

test('a wrong password is refused with the database\'s error', { skip }, async () => {
  await assert.rejects(index.apply({ Host: 'localhost', Port: String(port), Database: 'orders', Users: ['x'] },
    { username: master.username, password: 'wrong' }, { ca, attempts: 1 }), /28P01/);
});

test('a certificate the trusted CAs did not sign is refused', { skip }, async () => {
  await assert.rejects(index.connect({ host: 'localhost', port, database: 'orders', user: master.username, password: master.password }),
    /self[- ]signed|unable to (get|verify)/);
});

test('a certificate for another name is refused', { skip }, async () => {
  await assert.rejects(index.connect({ host: '127.0.0.1', port, database: 'orders', user: master.username, password: master.password, ca }),
    /does not match|not in the cert's altnames|ERR_TLS_CERT_ALTNAME_INVALID/);
});

test('a server without TLS is refused before any password is sent', { skip }, async () => {
  const received = [];
  const fake = net.createServer((s) => s.on('data', (d) => { received.push(d); s.write('N'); })).listen(0, '127.0.0.1');
  await new Promise((r) => fake.once('listening', r));
  await assert.rejects(index.connect({ host: '127.0.0.1', port: fake.address().port, database: 'orders', user: 'u', password: 'secret', ca }), /refused TLS/);
  fake.close();
  assert.ok(!Buffer.concat(received).includes('secret'));
});

test('a statement the database refuses fails the run with its error', { skip }, async () => {
  const c = await index.connect({ host: 'localhost', port, database: 'orders', user: master.username, password: master.password, ca });
  await assert.rejects(c.query('GRANT no_such_role TO "orders"'), /42704/);
  await c.query('SELECT 1'); // the session is usable after an error
  c.end();
});

test('a server that cannot prove it knows the password is refused (SCRAM server signature)', { skip }, async () => {
  const tlsModule = require('node:tls');
  const frame = (type, code, text) => {
    const body = Buffer.concat([Buffer.alloc(4), Buffer.from(text)]);
    body.writeInt32BE(code);
    const len = Buffer.alloc(4);
    len.writeInt32BE(body.length + 4);
    return Buffer.concat([Buffer.from(type), len, body]);
  };
  const secure = tlsModule.createServer({ key: fs.readFileSync(path.join(dir, 'server.key')), cert: fs.readFileSync(path.join(dir, 'server.pem')) }, (s) => {
    let step = 0;
    s.on('data', (d) => {
      step++;
      if (step === 1) s.write(frame('R', 10, 'SCRAM-SHA-256\0\0')); // the startup message
      if (step === 2) { // client-first: answer with its nonce extended, a salt and a count
        const nonce = /r=([^,]+)/.exec(d.toString('latin1'))[1];
        s.write(frame('R', 11, `r=${nonce}server,s=${Buffer.from('salt').toString('base64')},i=4096`));
      }
      if (step === 3) s.write(frame('R', 12, 'v=' + Buffer.alloc(32).toString('base64'))); // a signature it cannot have
    });
  });
  // The plain listener answers the SSLRequest, then hands the socket to the TLS server.
  const fake = net.createServer((s) => s.once('data', () => { s.write('S'); secure.emit('connection', s); })).listen(0, '127.0.0.1');
  await new Promise((r) => fake.once('listening', r));
  await assert.rejects(index.connect({ host: 'localhost', port: fake.address().port, database: 'orders', user: 'u', password: 'pw', ca }),
    /failed SCRAM server verification/);
  fake.close();
});

test('a GRANT that grants nothing (a warning in PostgreSQL) fails the run', { skip }, async () => {
  const c = await index.connect({ host: 'localhost', port, database: 'orders', user: 'weak', password: 'weak-secret', ca });
  await assert.rejects(c.query('GRANT CONNECT ON DATABASE orders TO weak'), /01007/);
  c.end();
});
