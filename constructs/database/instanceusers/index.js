'use strict';
// CloudFormation custom resource: the database users of one RDS for PostgreSQL instance.
//
// The same users as an Aurora cluster gets (constructs/database/users): LOGIN roles with rds_iam,
// so they authenticate only with IAM tokens, that may use and create objects in the database's
// public schema. RDS for PostgreSQL has no Data API, so this function speaks PostgreSQL's wire
// protocol itself, from the VPC, as the master user: TLS verified against Amazon's CA
// certificates (the Lambda Node.js runtime ships them in /var/runtime/ca-cert.pem, loaded through
// NODE_EXTRA_CA_CERTS), then SCRAM-SHA-256 (or MD5) authentication and simple queries. No driver
// is bundled: the function is this file. Every statement is idempotent, and users are never
// dropped (on Delete or when a service leaves the list): a role may own tables, and a retained
// database must keep working after its stack is gone.

const crypto = require('crypto');
const https = require('https');
const net = require('net');
const tls = require('tls');

// Service names ([a-z][a-z0-9-]*) and database names ([a-z][a-z0-9_]*): nothing that needs
// escaping inside a double-quoted identifier or a single-quoted literal.
const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

function identifier(name) {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new Error(`invalid database identifier ${JSON.stringify(name)}: want [a-z][a-z0-9_-]{0,62}`);
  }
  return `"${name}"`;
}

// statements is the SQL that makes every user exist with IAM authentication and its grants: the
// Aurora function's (users/index.py), statement for statement (a test holds them equal).
function statements(database, users) {
  const db = identifier(database);
  const out = [];
  for (const user of users) {
    const role = identifier(user);
    out.push(
      // CREATE ROLE has no IF NOT EXISTS.
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${user}') THEN CREATE ROLE ${role} LOGIN; END IF; END $$`,
      `GRANT rds_iam TO ${role}`,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role}`,
      `GRANT USAGE, CREATE ON SCHEMA public TO ${role}`,
    );
  }
  return out;
}

// ---- the wire protocol (PostgreSQL 3.0), just what the statements need ----

// message frames a frontend message: a type byte (none for the startup packets) and a length.
function message(type, body) {
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  return type ? Buffer.concat([Buffer.from(type), len, body]) : Buffer.concat([len, body]);
}

function cstring(s) {
  return Buffer.from(s + '\0', 'utf8');
}

// Reader turns a socket's bytes into backend messages ({type, body}), awaited one at a time.
class Reader {
  constructor(socket) {
    this.buffer = Buffer.alloc(0);
    this.waiting = null;
    this.failure = null;
    socket.on('data', (chunk) => { this.buffer = Buffer.concat([this.buffer, chunk]); this.wake(); });
    socket.on('error', (err) => { this.failure = err; this.wake(); });
    socket.on('close', () => { this.failure = this.failure || new Error('the database closed the connection'); this.wake(); });
  }

  wake() {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w();
    }
  }

  async bytes(n) {
    while (this.buffer.length < n) {
      if (this.failure) throw this.failure;
      await new Promise((resolve) => { this.waiting = resolve; });
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  async next() {
    const head = await this.bytes(5);
    const body = await this.bytes(head.readInt32BE(1) - 4);
    return { type: String.fromCharCode(head[0]), body };
  }
}

// fieldsOf reads an ErrorResponse's or NoticeResponse's fields (S severity, C SQLSTATE, M message).
function fieldsOf(body) {
  const fields = {};
  for (let i = 0; i < body.length && body[i] !== 0;) {
    const end = body.indexOf(0, i + 1);
    fields[String.fromCharCode(body[i])] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return fields;
}

function errorText(body) {
  const f = fieldsOf(body);
  return `${f.S || 'ERROR'} ${f.C || ''}: ${f.M || 'unknown error'}`;
}

// A GRANT that grants nothing is a warning in PostgreSQL (the grantor lacks the grant option),
// not an error: here it is a failure, or a deploy would report users that cannot connect.
const NOT_GRANTED = '01007';

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data).digest();
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest();
}

// scram runs a SCRAM-SHA-256 exchange (RFC 7677; no channel binding) and checks the server's
// signature, so a server that does not know the password cannot pass for the database.
async function scram(socket, reader, password, mechanisms) {
  if (!mechanisms.includes('SCRAM-SHA-256')) {
    throw new Error(`the database offers no SASL mechanism this function speaks (${mechanisms.join(', ')})`);
  }
  const nonce = crypto.randomBytes(18).toString('base64');
  const clientFirstBare = `n=,r=${nonce}`; // PostgreSQL takes the user from the startup message
  const first = Buffer.from('n,,' + clientFirstBare);
  const len = Buffer.alloc(4);
  len.writeInt32BE(first.length);
  socket.write(message('p', Buffer.concat([cstring('SCRAM-SHA-256'), len, first])));

  let m = await reader.next();
  if (m.type === 'E') throw new Error(errorText(m.body));
  if (m.type !== 'R' || m.body.readInt32BE(0) !== 11) throw new Error('unexpected reply to the SCRAM client-first message');
  const serverFirst = m.body.subarray(4).toString('utf8');
  const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
  if (!attrs.r || !attrs.r.startsWith(nonce) || !attrs.s || !(Number(attrs.i) > 0)) {
    throw new Error('malformed SCRAM server-first message');
  }
  const salted = crypto.pbkdf2Sync(password.normalize('NFKC'), Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const withoutProof = `c=biws,r=${attrs.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(sha256(clientKey), authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
  socket.write(message('p', Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)));

  m = await reader.next();
  if (m.type === 'E') throw new Error(errorText(m.body));
  if (m.type !== 'R' || m.body.readInt32BE(0) !== 12) throw new Error('unexpected reply to the SCRAM client-final message');
  const verifier = m.body.subarray(4).toString('utf8');
  const expected = 'v=' + hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
  if (verifier !== expected) throw new Error('the database failed SCRAM server verification');
}

// connect opens a TLS session to host:port (the certificate verified for host against the
// trusted CAs, plus ca when given) and logs in as user to database.
async function connect({ host, port, database, user, password, ca, timeoutMs = 20000 }) {
  const plain = net.connect({ host, port });
  plain.setTimeout(timeoutMs, () => plain.destroy(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)));
  await new Promise((resolve, reject) => { plain.once('connect', resolve); plain.once('error', reject); });
  // SSLRequest: the server answers one byte, S (go ahead) or N (no TLS, which we refuse).
  const ssl = Buffer.alloc(4);
  ssl.writeInt32BE(80877103);
  plain.write(message(null, ssl));
  const answer = await new Promise((resolve, reject) => {
    plain.once('data', (b) => resolve(b.toString('latin1', 0, 1)));
    plain.once('error', reject);
  });
  if (answer !== 'S') {
    plain.destroy();
    throw new Error(`${host}:${port} refused TLS`);
  }
  // host names the identity the certificate must carry; SNI takes names only.
  const socket = tls.connect({ socket: plain, host, servername: net.isIP(host) ? undefined : host, ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
  await new Promise((resolve, reject) => { socket.once('secureConnect', resolve); socket.once('error', reject); });
  const reader = new Reader(socket);

  const version = Buffer.alloc(4);
  version.writeInt32BE(196608);
  socket.write(message(null, Buffer.concat([version, cstring('user'), cstring(user), cstring('database'), cstring(database),
    cstring('application_name'), cstring('stratus-database-users'), Buffer.from([0])])));
  for (;;) {
    const m = await reader.next();
    if (m.type === 'E') throw new Error(errorText(m.body));
    if (m.type === 'Z') break; // ready for query
    if (m.type !== 'R') continue; // ParameterStatus, BackendKeyData, notices
    const code = m.body.readInt32BE(0);
    if (code === 0) continue; // authenticated
    if (code === 10) {
      const mechanisms = m.body.toString('utf8', 4).split('\0').filter(Boolean);
      await scram(socket, reader, password, mechanisms);
    } else if (code === 5) {
      const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');
      const salt = m.body.subarray(4, 8);
      const hashed = 'md5' + crypto.createHash('md5').update(Buffer.concat([Buffer.from(md5(password + user)), salt])).digest('hex');
      socket.write(message('p', cstring(hashed)));
    } else {
      throw new Error(`the database asks for an authentication this function does not speak (code ${code})`);
    }
  }
  return {
    // query runs one simple query and fails with the database's error, if any.
    async query(sql) {
      socket.write(message('Q', cstring(sql)));
      let failure = null;
      for (;;) {
        const m = await reader.next();
        if (m.type === 'E' || (m.type === 'N' && fieldsOf(m.body).C === NOT_GRANTED)) failure = failure || new Error(errorText(m.body));
        if (m.type === 'Z') break;
      }
      if (failure) throw failure;
    },
    end() {
      socket.end(message('X', Buffer.alloc(0)));
    },
  };
}

// apply runs the statements for props (Host, Port, Database, Users) as the master user of secret
// ({username, password}), retrying the connection while the instance is not reachable yet.
async function apply(props, secret, { ca, sleep = (ms) => new Promise((r) => setTimeout(r, ms)), attempts = 6 } = {}) {
  const sql = statements(props.Database, props.Users);
  let client;
  for (let attempt = 0; ; attempt++) {
    try {
      client = await connect({ host: props.Host, port: Number(props.Port), database: props.Database, user: secret.username, password: secret.password, ca });
      break;
    } catch (err) {
      // Authentication and TLS failures are final; a refused or silent connection may be the
      // instance still coming up or failing over.
      const transient = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|no answer|closed the connection|57P03/.test(String(err.code || '') + ' ' + err.message);
      if (!transient || attempt === attempts - 1) throw err;
      await sleep(5000 * (attempt + 1));
    }
  }
  try {
    for (const s of sql) await client.query(s);
  } finally {
    client.end();
  }
}

// respond reports the outcome to CloudFormation (a PUT of the presigned ResponseURL).
function respond(event, status, reason, send) {
  const props = event.ResourceProperties || {};
  const body = JSON.stringify({
    Status: status,
    Reason: String(reason).slice(0, 1000),
    // Stable: a change of the user list is an update, never a replacement.
    PhysicalResourceId: event.PhysicalResourceId || `${props.Host}/${props.Database}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: {},
  });
  return send(event.ResponseURL, body);
}

function put(url, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'PUT', headers: { 'Content-Type': '', 'Content-Length': Buffer.byteLength(body) }, timeout: 30000 }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer from the CloudFormation response URL')));
    req.end(body);
  });
}

// handle creates or updates the users; Delete keeps them. It always answers CloudFormation, so a
// failure fails the deploy at once instead of after the custom resource's one-hour timeout.
async function handle(event, { readSecret, send, ca, sleep }) {
  try {
    if (event.RequestType === 'Create' || event.RequestType === 'Update') {
      const secret = await readSecret(event.ResourceProperties.SecretArn);
      await apply(event.ResourceProperties, secret, { ca, sleep });
    }
    await respond(event, 'SUCCESS', 'users present', send);
  } catch (err) {
    await respond(event, 'FAILED', `${err.name}: ${err.message}`, send);
  }
}

async function handler(event) {
  // The runtime's AWS SDK; the tests never load it.
  const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  const readSecret = async (arn) => JSON.parse((await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString);
  await handle(event, { readSecret, send: put });
}

module.exports = { handler, handle, apply, connect, statements, identifier };
