// Run inside one guest's network namespace (node on the host's filesystem, `g.exec(..., {root:
// 'host'})`): every way this guest can think of to get another instance's metadata, as raw HTTP so
// that request targets, Host and forwarding headers are exactly what an attacker would send.
// Prints one JSON line: the list of attempts with their status and body.
import { connect } from 'node:net';

export interface ProbeConfig {
  /** This guest and the victim. */
  me: { ip: string; uuid: string };
  victim: { ip: string; uuid: string; project: string; token: string; signature: string };
  /** Listeners as the guest reaches them. */
  direct: string; // "169.254.169.254:80", source-ip
  linkLocal: string; // "[fe80::a9fe:a9fe%eth0]:80", source-ip over IPv6 link-local
  forwarding: string; // nginx → identify=forwarded-for
  signing: string; // nginx → identify=neutron-proxy
  internal: string[]; // the service's own loopback listeners, as addresses the guest might try
}

export interface Attempt {
  name: string;
  /**
   * What the attempt may get: its own data (200), a refusal, or anything without the victim's data
   * (a token for itself, a password write for itself).
   */
  expect: 'own' | 'refused' | 'no-leak';
  status: number; // 0: no HTTP answer (refused, reset)
  body: string;
}

function raw(address: string, request: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  const m = /^\[(.+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (!m) throw new Error(`bad address ${address}`);
  return new Promise((resolve) => {
    const sock = connect({ host: m[1]!, port: Number(m[2]) });
    let data = '';
    const done = () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0);
      const at = data.indexOf('\r\n\r\n');
      resolve({ status, body: at >= 0 ? data.slice(at + 4) : '' });
    };
    sock.setTimeout(timeoutMs, () => sock.destroy());
    sock.on('connect', () => sock.write(request));
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('close', done);
    sock.on('error', () => {});
  });
}

function get(path: string, host: string, headers: Record<string, string> = {}, method = 'GET', body = ''): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`, 'Connection: close', 'User-Agent: isolation-probe'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body || method === 'POST' || method === 'PUT') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

async function probe(c: ProbeConfig): Promise<Attempt[]> {
  const out: Attempt[] = [];
  const v = c.victim;
  const add = async (name: string, expect: Attempt['expect'], address: string, request: string) => {
    const r = await raw(address, request);
    out.push({ name, expect, ...r });
    return r;
  };
  const md = '/openstack/latest/meta_data.json';
  const forged = { 'X-Instance-ID': v.uuid, 'X-Tenant-ID': v.project, 'X-Instance-ID-Signature': v.signature };
  const spoofs: [string, Record<string, string>][] = [
    ['plain', {}],
    ['X-Forwarded-For: victim', { 'X-Forwarded-For': v.ip }],
    ['X-Forwarded-For: victim, proxy', { 'X-Forwarded-For': `${v.ip}, 127.0.0.1` }],
    ['X-Real-IP and Forwarded: victim', { 'X-Real-IP': v.ip, Forwarded: `for=${v.ip}` }],
    ["the victim's signed headers (a leaked signature)", forged],
    ['signed headers with a forged signature', { ...forged, 'X-Instance-ID-Signature': 'f'.repeat(64) }],
    ['X-Instance-ID alone', { 'X-Instance-ID': v.uuid }],
    ["the victim's IMDSv2 token", { 'X-aws-ec2-metadata-token': v.token }],
    ['Host: the victim', { Host: v.ip }],
  ];
  for (const [listener, address] of [['source-ip', c.direct], ['link-local', c.linkLocal], ['forwarded-for via nginx', c.forwarding], ['neutron-proxy via nginx', c.signing]] as const) {
    for (const [trick, headers] of spoofs) {
      const h = { ...headers };
      const host = h.Host ?? address;
      delete h.Host;
      // a foreign token must be refused outright; everything else may only ever yield our own data
      const expect = 'X-aws-ec2-metadata-token' in h ? 'refused' : 'own';
      const path = expect === 'refused' ? '/latest/meta-data/instance-id' : md;
      await add(`${listener}: ${trick}`, expect, address, get(path, host, h));
    }
    await add(`${listener}: absolute-form target naming the victim`, 'own', address, get(`http://${v.ip}${md}`, v.ip));
    await add(`${listener}: path tricks`, 'own', address, get('/openstack/../openstack/./latest//meta_data.json', 'x'));
    await add(`${listener}: percent-encoded path`, 'own', address, get('/%6fpenstack/latest/meta%5Fdata.json', 'x'));
    await add(`${listener}: EC2 tree`, 'own', address, get('/latest/meta-data/instance-id', 'x', { 'X-Forwarded-For': v.ip }));
    await add(`${listener}: user-data`, 'own', address, get('/latest/user-data', 'x', forged));
    await add(`${listener}: identity document`, 'own', address, get('/latest/dynamic/instance-identity/document', 'x', forged));
    await add(`${listener}: password written as the victim`, 'no-leak', address, get('/openstack/latest/password', 'x', forged, 'POST', `pw-from-${c.me.ip}`));
    await add(`${listener}: token PUT with X-Forwarded-For: victim`, 'no-leak', address,
      get('/latest/api/token', 'x', { 'X-aws-ec2-metadata-token-ttl-seconds': '60', 'X-Forwarded-For': `${v.ip}` }, 'PUT'));
  }
  // pipelining: a second request on the same connection pretending to be someone else
  await add('source-ip: pipelined second request with victim headers', 'own', c.direct,
    get(md, 'x', {}).replace('Connection: close', 'Connection: keep-alive') + get(md, 'x', { 'X-Forwarded-For': v.ip, ...forged }));
  // the service's own listeners are not reachable from a guest at all
  for (const a of c.internal) await add(`direct to the service at ${a}`, 'refused', a, get(md, 'x', forged));
  return out;
}

if (process.argv[2]) {
  probe(JSON.parse(process.argv[2]) as ProbeConfig).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
}
