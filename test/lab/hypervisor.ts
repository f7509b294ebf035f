// The hypervisor side of the lab: a namespace holding a bridge (br0) that every guest's veth joins,
// with the metadata address 169.254.169.254, the lab's DHCP/DNS server (dnsmasq on 169.254.0.1, fixed
// leases per guest MAC), and whatever servers a test starts there (kindling serve, nginx, a static tree).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { command, type CommandOptions, type CommandResult } from './command.js';
import { Sandbox, type SandboxProcess } from './sandbox.js';

export const METADATA_IP = '169.254.169.254';
export const METADATA_IP6 = 'fe80::a9fe:a9fe';
export const GATEWAY_IP = '169.254.0.1';
export const LAB_PREFIX = 16;

export interface HypervisorOptions {
  /** Put 169.254.169.254 on the bridge (default true). Without it, the metadata service is unreachable. */
  metadataAddress?: boolean;
  /** Run the DHCP/DNS server (default true). */
  dhcp?: boolean;
  /** More addresses for the bridge, e.g. '192.0.2.1/24' or '2001:db8::1/64' for static-network guests. */
  extraAddresses?: string[];
}

export interface HvSpawnOptions {
  cwd?: string;
  /** Added to the hypervisor's default environment (see `env`). */
  env?: Record<string, string>;
}

export class Hypervisor {
  readonly bridge = 'br0';
  private dnsmasq: SandboxProcess | undefined;
  private readonly leases = new Map<string, string>();
  private readonly processes: SandboxProcess[] = [];
  private metadataUp: boolean;

  private constructor(
    readonly sandbox: Sandbox,
    /** Where the hypervisor's logs and state live (server logs are <name>.log here). */
    readonly dir: string,
    opts: HypervisorOptions,
  ) {
    this.metadataUp = opts.metadataAddress ?? true;
  }

  get netns(): string {
    return this.sandbox.netns;
  }

  static async create(netns: string, dir: string, opts: HypervisorOptions = {}): Promise<Hypervisor> {
    mkdirSync(join(dir, 'home'), { recursive: true });
    const sandbox = await Sandbox.create(netns);
    const hv = new Hypervisor(sandbox, dir, opts);
    const ip = (...args: string[]) => command(['ip', '-n', netns, ...args]);
    await ip('link', 'add', 'br0', 'type', 'bridge');
    await ip('addr', 'add', `${GATEWAY_IP}/${LAB_PREFIX}`, 'dev', 'br0');
    if (hv.metadataUp) await ip('addr', 'add', `${METADATA_IP}/${LAB_PREFIX}`, 'dev', 'br0');
    await ip('addr', 'add', `${METADATA_IP6}/64`, 'dev', 'br0', 'nodad');
    for (const a of opts.extraAddresses ?? []) await ip('addr', 'add', a, 'dev', 'br0', ...(a.includes(':') ? ['nodad'] : []));
    await ip('link', 'set', 'br0', 'up');
    // A private state directory over the service's well-known one, so that a server started here never
    // touches the host's (the quick-start service's token lives there).
    await sandbox.exec(['sh', '-c', 'if [ -d /var/lib/kindling ]; then mount -t tmpfs -o mode=0755 tmpfs /var/lib/kindling; fi']);
    if (opts.dhcp ?? true) await hv.startDhcp();
    return hv;
  }

  /**
   * The environment of processes started here: the caller's, with HOME, the XDG directories and
   * KINDLING_STATE_DIR moved into the lab's run directory, so that state (tokens, databases, configs)
   * stays private to this lab.
   */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const home = join(this.dir, 'home');
    return {
      ...process.env,
      HOME: home,
      XDG_STATE_HOME: join(home, '.local/state'),
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      // kindling serve and its CLI keep their database and control token here, not in the host's /var/lib/kindling
      KINDLING_STATE_DIR: join(this.dir, 'kindling-state'),
      ...extra,
    };
  }

  /** Starts a long-running process here; its output goes to <dir>/<name>.log. Stopped at lab close. */
  spawn(name: string, argv: readonly string[], opts: HvSpawnOptions = {}): SandboxProcess {
    const p = this.sandbox.spawn(name, argv, { cwd: opts.cwd, env: this.env(opts.env), logFile: this.logPath(name) });
    this.processes.push(p);
    return p;
  }

  /** Runs a command here to completion (e.g. `kindling instance create --file ...` against 127.0.0.1:8776). */
  exec(argv: readonly string[], opts: CommandOptions & { cwd?: string } = {}): Promise<CommandResult> {
    return this.sandbox.exec(argv, { cwd: process.cwd(), ...opts, env: this.env(opts.env as Record<string, string>) });
  }

  logPath(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  /** Waits until something accepts TCP connections on host:port inside the hypervisor namespace. */
  async waitForPort(host: string, port: number, opts: { timeoutMs?: number; process?: SandboxProcess } = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    for (;;) {
      const r = await this.sandbox.exec(['bash', '-c', 'exec 3<>"/dev/tcp/$0/$1"', host, String(port)], { allowFailure: true });
      if (r.code === 0) return;
      if (opts.process && !opts.process.running) {
        throw new Error(`${opts.process.name} exited (${await opts.process.exited}) before listening on ${host}:${port}; log: ${opts.process.logFile}`);
      }
      if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} in ${this.netns}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until url answers with a status below 500 (e.g. a control listener's /healthz). */
  async waitForHttp(url: string, opts: { timeoutMs?: number; process?: SandboxProcess; headers?: Record<string, string> } = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    const headers = Object.entries(opts.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    for (;;) {
      const r = await this.sandbox.exec(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', ...headers, url], { allowFailure: true });
      const status = Number(r.stdout.trim());
      if (status > 0 && status < 500) return;
      if (opts.process && !opts.process.running) {
        throw new Error(`${opts.process.name} exited (${await opts.process.exited}) before ${url} answered; log: ${opts.process.logFile}`);
      }
      if (Date.now() > deadline) throw new Error(`${url} did not answer in ${this.netns} (last status ${status || 'none'})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Takes 169.254.169.254 off (or puts it back on) the bridge: guests' requests then time out, as with a dead service. */
  async setMetadataReachable(up: boolean): Promise<void> {
    if (up === this.metadataUp) return;
    await command(['ip', '-n', this.netns, 'addr', up ? 'add' : 'del', `${METADATA_IP}/${LAB_PREFIX}`, 'dev', 'br0']);
    this.metadataUp = up;
  }

  private async startDhcp(): Promise<void> {
    writeFileSync(join(this.dir, 'dhcp-hosts'), '');
    this.dnsmasq = this.spawn('dhcp', [
      'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--pid-file=',
      '--user=root', '--group=root',
      '--interface=br0', '--bind-interfaces', `--listen-address=${GATEWAY_IP}`,
      '--dhcp-range=169.254.100.10,169.254.100.200,255.255.0.0,1h',
      `--dhcp-hostsfile=${join(this.dir, 'dhcp-hosts')}`,
      `--dhcp-leasefile=${join(this.dir, 'dhcp.leases')}`,
      '--dhcp-authoritative',
      `--dhcp-option=option:dns-server,${GATEWAY_IP}`,
      // every name is unknown here: answer at once instead of letting resolvers time out
      '--address=/#/',
      '--log-dhcp', '--log-facility=-',
    ]);
    await this.waitForPort(GATEWAY_IP, 53, { process: this.dnsmasq });
  }

  /** A fixed DHCP lease (the guest's MAC always gets ip). */
  async addLease(mac: string, ip: string): Promise<void> {
    this.leases.set(mac.toLowerCase(), ip);
    writeFileSync(join(this.dir, 'dhcp-hosts'), [...this.leases].map(([m, i]) => `${m},${i}\n`).join(''));
    if (this.dnsmasq?.running) {
      this.dnsmasq.signal('SIGHUP'); // dnsmasq rereads --dhcp-hostsfile on SIGHUP
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Starts nginx with the given configuration (see nginxReverseProxy) and waits for its listener. */
  async startNginx(config: string, opts: { name?: string; waitFor?: { host: string; port: number } } = {}): Promise<SandboxProcess> {
    const name = opts.name ?? 'nginx';
    const prefix = join(this.dir, name);
    mkdirSync(join(prefix, 'tmp'), { recursive: true });
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, config);
    const p = this.spawn(name, ['nginx', '-p', prefix, '-c', conf, '-e', join(prefix, 'error.log'), '-g', `daemon off; pid ${join(prefix, 'nginx.pid')};`]);
    if (opts.waitFor) await this.waitForPort(opts.waitFor.host, opts.waitFor.port, { process: p });
    return p;
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop(1000).catch(() => undefined)));
    await this.sandbox.close();
  }
}

/**
 * An nginx.conf for a reverse proxy in the hypervisor namespace: listen (e.g. 169.254.169.254:80), pass
 * everything to upstream (e.g. 127.0.0.1:8775), adding headers; a header value may use nginx variables
 * ($remote_addr). Logs go to the prefix directory.
 */
export function nginxReverseProxy(opts: { listen: string; upstream: string; setHeaders?: Record<string, string>; extraLocationConfig?: string }): string {
  const headers = Object.entries(opts.setHeaders ?? {}).map(([k, v]) => `      proxy_set_header ${k} "${v.replace(/"/g, '\\"')}";`);
  return `user root root;
worker_processes 1;
error_log error.log info;
events { worker_connections 256; }
http {
  access_log access.log;
  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
  server {
    listen ${opts.listen};
    location / {
      proxy_pass http://${opts.upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
${headers.join('\n')}
${opts.extraLocationConfig ?? ''}
    }
  }
}
`;
}
