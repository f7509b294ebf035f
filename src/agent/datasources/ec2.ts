// The EC2 metadata service (cloud-init 22.4's DataSourceEc2 / DataSourceEc2Local).
//
// Detection is cheap and fail-closed, as ds-identify's Ec2 check: a known platform in DMI (AWS by
// the ec2 prefix of /sys/hypervisor/uuid, or of a product uuid equal to the serial; Brightbox,
// ZStack, e24cloud, Outscale), or an ec2 seed directory. An unknown platform is never detected
// (ds-identify's strict_id default is true and MAYBE results enable nothing); naming Ec2 alone in
// datasource_list still reaches fetch(), where strict_id has the Python default 'warn'.
//
// Fetch: an IMDSv2 token first (PUT /latest/api/token), on every platform, across metadata_urls and
// bounded by max_wait/timeout. On AWS there is no v1 fallback (cloud-init 22.4 has none); elsewhere,
// where cloud-init 22.4 always reads v1, a service that answers the PUT with an HTTP error (it has no
// tokens: 403/404/405...) is read without one. A token, once held, goes on every request, and a 401
// fetches a new one; the crawl never drops to v1 then. The crawl reads what 22.4 reads: the API
// version (extended versions, else 2009-04-04), user-data (404 = none), the meta-data tree, and on
// AWS the instance identity document; network config v2 comes from the per-MAC tree.
// The local variant runs only on AWS and Outscale, inside an ephemeral DHCP lease, as 22.4's does.
import type { Datasource, DatasourceContext, DatasourceData } from './types.js';
import type { Host, HttpResponse } from '../host/host.js';
import type { Paths } from '../state/paths.js';
import type { Dmi } from './dmi.js';
import { readUrl, UrlError } from '../http/url-reader.js';
import { urlParams } from './url-params.js';
import { combineUrl, materializeEc2 } from '../../wire/ec2/materialize.js';
import { TOKEN_HEADER, TTL_HEADER } from '../../wire/ec2/imds.js';
import { normalizePubkeys, toCiJson } from './metadata-helpers.js';
import { interfacesByMac } from '../network/names.js';
import { candidateNics } from '../network/fallback.js';

type Dict = Record<string, unknown>;
export type Ec2CloudName = 'aws' | 'brightbox' | 'zstack' | 'e24cloud' | 'outscale' | 'unknown';

const LOG = 'DataSourceEc2';
export const DEFAULT_METADATA_URLS = ['http://169.254.169.254', 'http://[fd00:ec2::254]', 'http://instance-data.:8773'];
/** Tried in order for extended metadata (tags 2021-03-23, secondary IPs 2018-09-24, IPv6 2016-09-02). */
export const EXTENDED_VERSIONS = ['2021-03-23', '2018-09-24', '2016-09-02'] as const;
export const MIN_VERSION = '2009-04-04';
const TOKEN_ROUTE = 'latest/api/token';
const TOKEN_TTL = '21600';
/** cloud-init's helpers read each crawl document with these, not with the datasource's URL params. */
const CRAWL_TIMEOUT = 5;
const CRAWL_RETRIES = 5;
const LOCAL_PLATFORMS: readonly Ec2CloudName[] = ['aws', 'outscale'];

// ------------------------------------------------------------------ platform identification

export interface PlatformData {
  uuid: string;
  uuidSource: 'hypervisor' | 'dmi';
  serial: string;
  assetTag: string;
  vendor: string;
  productName: string;
}

export async function platformData(host: Host, dmi: Dmi): Promise<PlatformData> {
  const hv = await host.fs.readTextIfExists('/sys/hypervisor/uuid').catch(() => undefined);
  const lower = (v: string | undefined) => (v ?? '').toLowerCase();
  return {
    uuid: lower(hv !== undefined ? hv.trim() : await dmi.read('system-uuid')),
    uuidSource: hv !== undefined ? 'hypervisor' : 'dmi',
    serial: lower(await dmi.read('system-serial-number')),
    assetTag: lower(await dmi.read('chassis-asset-tag')),
    vendor: lower(await dmi.read('system-manufacturer')),
    productName: lower(await dmi.read('system-product-name')),
  };
}

/** identify_platform: the first positive identification, else 'unknown'. */
export function identifyPlatform(d: PlatformData): Ec2CloudName {
  if (d.uuid.startsWith('ec2') && (d.uuidSource === 'hypervisor' || d.uuid === d.serial)) return 'aws';
  if (d.serial.endsWith('.brightbox.com')) return 'brightbox';
  if (d.assetTag.endsWith('.zstack.io')) return 'zstack';
  if (d.vendor === 'e24cloud') return 'e24cloud';
  if (d.productName === '3ds outscale vm' && d.vendor === '3ds outscale') return 'outscale';
  return 'unknown';
}

export interface StrictMode {
  mode: 'true' | 'false' | 'warn';
  sleep: number | undefined;
}

/** parse_strict_mode: true | false | warn[,seconds]; throws on anything else. */
export function parseStrictMode(v: unknown): StrictMode {
  if (v === true) return { mode: 'true', sleep: undefined };
  if (v === false) return { mode: 'false', sleep: undefined };
  if (v === undefined || v === null || v === '' || v === 0) return { mode: 'warn', sleep: 0 };
  const s = String(v);
  const comma = s.indexOf(',');
  const mode = comma < 0 ? s : s.slice(0, comma);
  const sleep = comma < 0 ? '' : s.slice(comma + 1);
  if (mode !== 'true' && mode !== 'false' && mode !== 'warn') {
    throw new Error(`Invalid mode '${mode}' in strict_id setting '${s}': Expected one of 'true', 'false', 'warn'.`);
  }
  if (!sleep) return { mode, sleep: undefined };
  if (!/^\s*[+-]?\d+\s*$/.test(sleep)) throw new Error(`Invalid sleep '${sleep}' in strict_id setting '${s}': not an integer`);
  return { mode, sleep: Number.parseInt(sleep, 10) };
}

function strictIdCfg(cfg: Dict): unknown {
  const ds = cfg.datasource;
  if (!ds || typeof ds !== 'object') return undefined;
  const ec2 = (ds as Dict).Ec2;
  return ec2 && typeof ec2 === 'object' ? (ec2 as Dict).strict_id : undefined;
}

async function detectEc2(ctx: Pick<DatasourceContext, 'host' | 'dmi' | 'paths'>): Promise<boolean> {
  const seed = `${ctx.paths.cloudDir}/seed/ec2`;
  if ((await ctx.host.fs.exists(`${seed}/meta-data`)) && (await ctx.host.fs.exists(`${seed}/user-data`))) return true;
  return identifyPlatform(await platformData(ctx.host, ctx.dmi)) !== 'unknown';
}

// ------------------------------------------------------------------ network config

/** get_secondary_addresses: every address after the first, as CIDRs with the subnet's prefix. */
function secondaryAddresses(host: Host, nic: Dict, mac: string): string[] {
  const out: string[] = [];
  const add = (key: string, ips: unknown, cidrKey: string, def: string) => {
    if (!Array.isArray(ips) || ips.length <= 1) return;
    const cidr = nic[cidrKey];
    let prefix = def;
    const parts = typeof cidr === 'string' ? cidr.split('/') : [];
    if (parts.length !== 2) {
      host.log.log('WARNING', LOG, `Could not parse ${cidrKey} ${cidr === undefined ? 'None' : String(cidr)} for mac ${mac}. ${key} network config prefix defaults to /${def}`);
    } else prefix = parts[1] as string;
    for (const ip of ips.slice(1)) out.push(`${String(ip)}/${prefix}`);
  };
  add('ipv4', nic['local-ipv4s'], 'subnet-ipv4-cidr-block', '24');
  add('ipv6', nic.ipv6s, 'subnet-ipv6-cidr-block', '128');
  return out.sort();
}

/**
 * convert_ec2_metadata_network_config: network config v2 from meta-data's network tree and the
 * machine's MAC → NIC table. full: every NIC with metadata, route metrics by device number and
 * secondary addresses; otherwise the fallback NIC alone, with DHCP.
 */
export function convertEc2NetworkConfig(host: Host, networkMd: Dict, macsToNics: Map<string, string>, fallbackNic: string | undefined, full: boolean): Dict {
  const ethernets: Record<string, Dict> = {};
  const ifaces = networkMd.interfaces;
  const macsMd = (ifaces && typeof ifaces === 'object' ? (ifaces as Dict).macs : undefined) as Dict | undefined;
  const macs = macsMd && typeof macsMd === 'object' ? macsMd : {};
  const nicMd = (mac: string): Dict | undefined => {
    const v = macs[mac];
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : undefined;
  };
  if (!full) {
    const entry = [...macsToNics].find(([, name]) => name === fallbackNic);
    if (entry) {
      const [mac, name] = entry;
      const dev: Dict = { dhcp4: true, dhcp6: false, match: { macaddress: mac.toLowerCase() }, 'set-name': name };
      if (nicMd(mac)?.ipv6s) dev.dhcp6 = true;
      ethernets[name] = dev;
    }
    return { version: 2, ethernets };
  }
  let idx = 0;
  for (const [mac, name] of [...macsToNics].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const md = nicMd(mac);
    if (!md) continue; // not a NIC the metadata knows
    const n = Number.parseInt(String(md['device-number'] ?? idx), 10);
    idx = (Number.isFinite(n) ? n : idx) + 1;
    const override = { 'route-metric': idx * 100 };
    const dev: Dict = { dhcp4: true, 'dhcp4-overrides': override, dhcp6: false, match: { macaddress: mac.toLowerCase() }, 'set-name': name };
    if (md.ipv6s) {
      dev.dhcp6 = true;
      dev['dhcp6-overrides'] = override;
    }
    const addrs = secondaryAddresses(host, md, mac);
    if (addrs.length) dev.addresses = addrs;
    ethernets[name] = dev;
  }
  const names = Object.keys(ethernets);
  if (names.length === 1) {
    const only = ethernets[names[0] as string] as Dict;
    delete only['dhcp4-overrides'];
    delete only['dhcp6-overrides'];
  }
  return { version: 2, ethernets };
}

// ------------------------------------------------------------------ the IMDS session

/** One metadata address, with the token when the service gave one. */
class Imds {
  private token: string | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    readonly host: Host,
    readonly base: string,
    token: string | undefined,
    private readonly timeoutSec: number,
  ) {
    this.token = token;
  }

  get usesToken(): boolean {
    return this.token !== undefined || this.refreshing !== undefined;
  }

  private headers(): Record<string, string> {
    return this.token !== undefined ? { [TOKEN_HEADER]: this.token } : {};
  }

  /** A new token after a 401 (one PUT however many requests saw the 401). */
  private refresh(stale: string | undefined): Promise<void> {
    if (this.token !== stale) return Promise.resolve();
    this.refreshing ??= (async () => {
      this.host.log.log('DEBUG', LOG, 'Clearing cached Ec2 API token due to expiry');
      this.host.log.log('DEBUG', LOG, 'Refreshing Ec2 metadata API token');
      const url = combineUrl(this.base, TOKEN_ROUTE);
      try {
        const r = await readUrl(this.host, url, { method: 'PUT', headers: { [TTL_HEADER]: TOKEN_TTL }, timeoutSec: this.timeoutSec, redactHeaders: [TTL_HEADER, TOKEN_HEADER] });
        this.token = r.body.toString('utf8');
      } catch (e) {
        this.host.log.log('WARNING', LOG, `Unable to get API token: ${url} raised exception ${(e as Error).message}`);
        // keep presenting the old one: the service requires tokens, and no v1 request is made
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** GET with the token; a 401 refreshes the token and tries again (twice at most). */
  async get(url: string, opts: { timeoutSec?: number; retries?: number; noRetryOn?: number[] } = {}): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      if (this.refreshing) await this.refreshing;
      const used = this.token;
      try {
        return await readUrl(this.host, url, {
          headers: this.headers(),
          redactHeaders: [TOKEN_HEADER],
          timeoutSec: opts.timeoutSec ?? this.timeoutSec,
          retries: opts.retries ?? 0,
          secBetween: 1,
          shouldRetry: (e) => e.code !== 401 && !(opts.noRetryOn ?? []).includes(e.code ?? -1) && (e.code === undefined || [408, 429, 500, 502, 503, 504].includes(e.code)),
        });
      } catch (e) {
        if (e instanceof UrlError && e.code === 401 && used !== undefined && attempt < 2) {
          await this.refresh(used);
          continue;
        }
        throw e;
      }
    }
  }
}

type Probe = { kind: 'token'; base: string; token: string } | { kind: 'v1'; base: string };

/**
 * wait_for_metadata_service: the first address that gives a token (or, off AWS, that answers the
 * v1 instance-id once its token request was refused), within max_wait. Undefined when none did.
 */
async function findService(ctx: DatasourceContext, urls: string[], cloud: Ec2CloudName, maxWait: number, timeout: number): Promise<Probe | undefined> {
  const { host } = ctx;
  const log = host.log;
  const start = host.clock.now();
  const v1 = new Set<string>(); // addresses whose token request was refused (never on AWS)
  let abort: string | undefined;
  log.log('DEBUG', LOG, 'Fetching Ec2 IMDSv2 API Token');
  const attempt = async (base: string, remaining: number): Promise<Probe> => {
    const timeoutMs = Math.max(1, Math.min(timeout > 0 ? timeout : remaining, remaining)) * 1000;
    const elapsed = () => `${Math.floor(host.clock.now() - start)}/${maxWait}s`;
    if (!v1.has(base)) {
      const url = combineUrl(base, TOKEN_ROUTE);
      let r: HttpResponse;
      try {
        r = await host.http({ url, method: 'PUT', headers: { [TTL_HEADER]: TOKEN_TTL }, timeoutMs });
      } catch (e) {
        log.log('WARNING', 'url_helper', `Calling '${url}' failed [${elapsed()}]: ${(e as Error).message}`);
        throw e;
      }
      if (r.status === 200 && r.body.length > 0) {
        log.log('DEBUG', 'url_helper', `Read from ${url} (200, ${r.body.length}b) after 1 attempts`);
        return { kind: 'token', base, token: r.body.toString('utf8') };
      }
      if (r.status >= 400 && cloud === 'aws') {
        abort = r.status === 403 ? 'Ec2 IMDS endpoint returned a 403 error. HTTP endpoint is disabled. Aborting.' : 'Fatal error while requesting Ec2 IMDSv2 API tokens';
        throw new Error(`${r.status} for url: ${url}`);
      }
      if (cloud === 'aws' || r.status >= 500) {
        // AWS always gives a token (an empty answer is retried); a 5xx may pass
        const why = r.status < 300 ? `empty response [${r.status}]` : `bad status code [${r.status}]`;
        log.log('WARNING', 'url_helper', `Calling '${url}' failed [${elapsed()}]: ${why}`);
        throw new Error(why);
      }
      // off AWS, any other answer (a 4xx refusal, an empty 200, a redirect) means this service has no
      // tokens: read it as cloud-init 22.4 does on such platforms
      log.log('DEBUG', LOG, `${base} gave no IMDSv2 token (${r.status}); reading it without one, as cloud-init does on platform ${cloud}`);
      v1.add(base);
    }
    const url = combineUrl(base, MIN_VERSION, 'meta-data/instance-id');
    let r: HttpResponse;
    try {
      r = await host.http({ url, timeoutMs });
    } catch (e) {
      log.log('WARNING', 'url_helper', `Calling '${url}' failed [${elapsed()}]: ${(e as Error).message}`);
      throw e;
    }
    if (r.status >= 200 && r.status < 300 && r.body.length > 0) {
      log.log('DEBUG', 'url_helper', `Read from ${url} (${r.status}, ${r.body.length}b) after 1 attempts`);
      return { kind: 'v1', base };
    }
    log.log('WARNING', 'url_helper', `Calling '${url}' failed [${elapsed()}]: ${r.body.length === 0 && r.status < 300 ? `empty response [${r.status}]` : `bad status code [${r.status}]`}`);
    throw new Error(`bad status code [${r.status}]`);
  };
  for (let loop = 0; ; loop++) {
    const remaining = maxWait - (host.clock.now() - start);
    try {
      return await Promise.any(urls.map(async (u, i) => {
        if (i > 0) await host.clock.sleep(150 * i); // staggered, as connect_synchronously=False
        if (abort) throw new Error(abort);
        return attempt(u, remaining);
      }));
    } catch {
      // every address failed this round
    }
    if (abort) {
      log.log('WARNING', LOG, abort);
      return undefined;
    }
    const elapsed = host.clock.now() - start;
    if (elapsed >= maxWait) break;
    const sleep = Math.min(Math.floor(loop / 5) + 1, maxWait - elapsed);
    if (sleep > 0) await host.clock.sleep(sleep * 1000);
  }
  if (cloud === 'aws') log.log('WARNING', LOG, "IMDS's HTTP endpoint is probably disabled");
  else log.log('CRITICAL', LOG, `Giving up on md from ${JSON.stringify(urls.map((u) => combineUrl(u, TOKEN_ROUTE)))} after ${Math.floor(host.clock.now() - start)} seconds`);
  return undefined;
}

/** get_metadata_api_version: the first extended version the service has, else 2009-04-04. */
async function apiVersion(host: Host, imds: Imds): Promise<string> {
  const found = await Promise.all(
    EXTENDED_VERSIONS.map(async (v) => {
      const url = combineUrl(imds.base, v, 'meta-data/instance-id');
      try {
        await imds.get(url);
        return true;
      } catch (e) {
        if (e instanceof UrlError && e.code === 404) host.log.log('DEBUG', LOG, `Metadata api version ${v} not present.`);
        else host.log.log('DEBUG', LOG, `url ${url} raised exception ${(e as Error).message}`);
        return false;
      }
    }),
  );
  const i = found.indexOf(true);
  if (i < 0) return MIN_VERSION;
  host.log.log('DEBUG', LOG, `Found preferred metadata version ${EXTENDED_VERSIONS[i]}`);
  return EXTENDED_VERSIONS[i] as string;
}

/** A meta-data style tree under base/<tree>; throws when its listing or a leaf cannot be read. */
async function readTree(imds: Imds, url: string, skipTags: boolean): Promise<Dict> {
  const get = async (u: string) => {
    try {
      return (await imds.get(u, { timeoutSec: CRAWL_TIMEOUT, retries: CRAWL_RETRIES })).body.toString('utf8');
    } catch (e) {
      // Outscale lists tags it does not serve (LP: #1988157)
      if (skipTags && e instanceof UrlError && e.code === 404 && u.includes('meta-data/tags/')) {
        imds.host.log.log('WARNING', 'ec2', `Skipped retrieval of the content of ${u}`);
        return '(skipped)';
      }
      throw e;
    }
  };
  return materializeEc2(await get(url), url, get);
}

interface Crawled {
  version: string;
  userdata: Buffer;
  metadata: Dict;
  identity?: Dict;
}

async function crawl(ctx: DatasourceContext, imds: Imds, cloud: Ec2CloudName): Promise<Crawled | undefined> {
  const { host } = ctx;
  const version = await apiVersion(host, imds);
  const verBase = combineUrl(imds.base, version);
  const udUrl = combineUrl(verBase, 'user-data');
  const mdUrl = combineUrl(verBase, 'meta-data/');
  const userdata = imds
    .get(udUrl, { timeoutSec: CRAWL_TIMEOUT, retries: CRAWL_RETRIES, noRetryOn: [404] })
    .then((r) => r.body)
    .catch((e) => {
      if (!(e instanceof UrlError && e.code === 404)) host.log.log('WARNING', 'ec2', `Failed fetching userdata from url ${udUrl}: ${(e as Error).message}`);
      return Buffer.alloc(0);
    });
  const metadata = readTree(imds, mdUrl, cloud === 'outscale').catch((e) => {
    host.log.log('WARNING', 'ec2', `Failed fetching meta-data/ from url ${mdUrl}: ${(e as Error).message}`);
    return undefined;
  });
  const idUrl = combineUrl(verBase, 'dynamic/instance-identity');
  const identity =
    cloud === 'aws'
      ? readTree(imds, idUrl, false).catch((e) => {
          host.log.log('WARNING', 'ec2', `Failed fetching dynamic/instance-identity from url ${idUrl}: ${(e as Error).message}`);
          return {} as Dict;
        })
      : undefined;
  const [ud, md, id] = await Promise.all([userdata, metadata, identity]);
  if (!md) {
    host.log.log('WARNING', LOG, `Failed reading from metadata address ${imds.base}`);
    return undefined;
  }
  return { version, userdata: ud, metadata: md, ...(id ? { identity: id } : {}) };
}

// ------------------------------------------------------------------ the datasource

function metadataUrls(ctx: DatasourceContext): string[] {
  const raw = ctx.dsCfg.metadata_urls;
  if (raw === undefined || raw === null) return DEFAULT_METADATA_URLS;
  const list = Array.isArray(raw) ? raw : [];
  const urls = list.filter((u): u is string => typeof u === 'string' && /^https?:\/\/[^/]/.test(u));
  if (urls.length !== list.length) ctx.host.log.log('DEBUG', LOG, `Removed the following from metadata urls: ${JSON.stringify(list.filter((u) => !urls.includes(u as string)))}`);
  if (urls.length) return urls.map((u) => u.replace(/\/+$/, ''));
  ctx.host.log.log('WARNING', LOG, 'Empty metadata url list! using default list');
  return DEFAULT_METADATA_URLS;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

async function macTable(host: Host): Promise<Map<string, string>> {
  try {
    return await interfacesByMac(host, (m) => host.log.log('WARNING', 'net', m));
  } catch (e) {
    host.log.log('WARNING', LOG, `Reading the NICs' MAC addresses failed: ${(e as Error).message}`);
    return new Map();
  }
}

export function isTrue(v: unknown, def: boolean): boolean {
  if (v === undefined || v === null) return def;
  if (typeof v === 'boolean') return v;
  return ['true', '1', 'on', 'yes'].includes(String(v).toLowerCase());
}

async function fetchEc2(ctx: DatasourceContext, cloud: Ec2CloudName): Promise<DatasourceData | undefined> {
  const { host } = ctx;
  const p = urlParams(host, 'Ec2', ctx.dsCfg, { maxWait: 120, timeout: 50, retries: 5, secBetween: 1 });
  if (p.maxWait <= 0) {
    host.log.log('DEBUG', LOG, `max_wait ${p.maxWait}: not waiting for the metadata service`);
    return undefined;
  }
  const urls = metadataUrls(ctx);
  const found = await findService(ctx, urls, cloud, p.maxWait, p.timeout);
  if (!found) return undefined;
  host.log.log('DEBUG', LOG, `Using metadata source: '${found.base}'${found.kind === 'token' ? ' (IMDSv2)' : ''}`);
  const imds = new Imds(host, found.base, found.kind === 'token' ? found.token : undefined, p.timeout);
  const c = await crawl(ctx, imds, cloud);
  if (!c) return undefined;

  const metadata = toCiJson(c.metadata) as Dict;
  const identityDoc = (c.identity?.document && typeof c.identity.document === 'object' ? c.identity.document : {}) as Dict;
  if (cloud === 'aws' && str(identityDoc.instanceId) && identityDoc.instanceId !== metadata['instance-id']) {
    host.log.log('DEBUG', LOG, `Using the identity document's instance id ${String(identityDoc.instanceId)}`);
    metadata['instance-id'] = identityDoc.instanceId;
  }
  if (!str(metadata['instance-id'])) {
    host.log.log('WARNING', LOG, `The metadata of ${found.base} has no instance-id`);
    return undefined;
  }
  const placement = metadata.placement && typeof metadata.placement === 'object' ? (metadata.placement as Dict) : {};
  const az = cloud === 'aws' ? (str(identityDoc.availabilityZone) ?? str(placement['availability-zone'])) : str(placement['availability-zone']);
  const region = cloud === 'aws' ? (str(identityDoc.region) ?? (az ? az.slice(0, -1) : undefined)) : az ? az.slice(0, -1) : undefined;

  const li = metadata['ami-launch-index'];
  const launchIndex = typeof li === 'string' && /^\s*[+-]?\d+\s*$/.test(li) ? Number.parseInt(li, 10) : undefined;
  const className = ctx.stage === 'local' ? 'DataSourceEc2Local' : 'DataSourceEc2';
  const crawled: Dict = { 'meta-data': metadata, _metadata_api_version: c.version };
  if (c.identity) crawled.dynamic = { 'instance-identity': toCiJson(c.identity) };
  const data: DatasourceData = {
    dsname: 'Ec2',
    className,
    description: className,
    dsmode: 'net',
    platform: 'ec2',
    subplatform: `metadata (${found.base})`,
    cloudName: cloud,
    metadata,
    publicKeys: normalizePubkeys(metadata['public-keys']),
    userdataRaw: c.userdata.toString('base64'),
    crawled,
    checkInstanceId: 'none',
    ...(launchIndex !== undefined ? { launchIndex } : {}),
    ...(az !== undefined ? { availabilityZone: az } : {}),
    ...(region !== undefined ? { region } : {}),
  };
  const net = metadata.network;
  if (net && typeof net === 'object' && !Array.isArray(net)) {
    const full = isTrue(ctx.dsCfg.apply_full_imds_network_config, true);
    const fallback = full ? undefined : (await candidateNics(host).catch(() => []))[0];
    data.networkConfig = { format: 'v2', config: convertEc2NetworkConfig(host, net as Dict, await macTable(host), fallback, full) };
    // EC2 Classic (no NIC in a VPC): the MAC may change at every boot, so the config is rendered at every boot
    const macs = ((net as Dict).interfaces as Dict | undefined)?.macs;
    const inVpc = !!macs && typeof macs === 'object' && Object.values(macs as Dict).some((m) => !!m && typeof m === 'object' && 'vpc-id' in (m as Dict));
    if (!inVpc) data.networkUpdateEvents = ['boot-new-instance', 'boot', 'boot-legacy'];
  } else {
    host.log.log('WARNING', LOG, `Metadata 'network' key not valid: ${net === undefined ? 'None' : JSON.stringify(net)}.`);
  }
  return data;
}

// ------------------------------------------------------------------ activate: the non-EC2 warning

const NON_EC2_WARNING = [
  'This system reads an EC2-style metadata service, but its platform',
  'does not identify itself as Amazon EC2 or as another platform known',
  'to offer one (Brightbox, ZStack, e24cloud, Outscale).',
  '',
  'Platforms that cannot be identified may stop being read in future',
  'releases. If this is expected, silence this warning with the',
  'cloud-config below (for instance in',
  '/etc/cloud/cloud.cfg.d/99-ec2-datasource.cfg):',
  '',
  '#cloud-config',
  'datasource:',
  ' Ec2:',
  '  strict_id: false',
];

/** warnings.<name> in the config: on/off, or sleep[,N]; the default when absent or unreadable. */
function warningSetting(cfg: Dict, name: string, def: { on: boolean; sleep: number | undefined }): { on: boolean; sleep: number | undefined } {
  const w = cfg.warnings;
  const v = w && typeof w === 'object' ? (w as Dict)[name] : undefined;
  if (v === undefined || v === null) return def;
  if (v === 'on' || v === 'true' || v === true) return { on: true, sleep: undefined };
  if (v === 'off' || v === 'false' || v === false) return { on: false, sleep: undefined };
  if (typeof v !== 'string') return def;
  const [mode, secs] = [v.split(',')[0], v.includes(',') ? v.slice(v.indexOf(',') + 1) : ''];
  if (mode !== 'sleep') return def;
  if (!secs) return { on: true, sleep: def.sleep };
  return /^\s*[+-]?\d+\s*$/.test(secs) ? { on: true, sleep: Number.parseInt(secs, 10) } : def;
}

export async function showNonEc2Warning(host: Host, paths: Paths, cfg: Dict): Promise<void> {
  let strict: StrictMode;
  try {
    strict = parseStrictMode(strictIdCfg(cfg) ?? 'warn');
  } catch (e) {
    host.log.log('WARNING', LOG, (e as Error).message);
    return;
  }
  if (strict.mode === 'false') return;
  const s = warningSetting(cfg, 'non_ec2_md', { on: true, sleep: strict.sleep });
  if (!s.on) return;
  const width = 70;
  const top = `${'*'.repeat(width + 4)}\n`;
  const body = NON_EC2_WARNING.map((l) => `# ${l.padEnd(width)} #`).join('\n');
  const close = s.sleep ? `${centre(`  [sleeping for ${s.sleep} seconds]  `, width + 4, '*')}\n` : top;
  await host.fs.writeFile(`${paths.ipathCur()}/warnings/non_ec2_md`, `${top}${body}\n${top}`, { mode: 0o644, mkdirs: true });
  host.log.log('WARNING', 'warnings', `${top}${body}\n${close}`);
  if (s.sleep) {
    host.log.log('DEBUG', 'warnings', `sleeping ${s.sleep} seconds for warning 'non_ec2_md'`);
    await host.clock.sleep(s.sleep * 1000);
  }
}

/** Python's str.center. */
function centre(s: string, width: number, fill: string): string {
  if (s.length >= width) return s;
  const total = width - s.length;
  const left = Math.floor(total / 2) + (total & width & 1);
  return fill.repeat(left) + s + fill.repeat(total - left);
}

export const ec2: Datasource = {
  name: 'Ec2',
  stages: ['local', 'network'],
  detect: detectEc2,
  async fetch(ctx) {
    const { host } = ctx;
    const cloud = identifyPlatform(await platformData(host, ctx.dmi));
    if (ctx.stage === 'local' && !LOCAL_PLATFORMS.includes(cloud)) {
      host.log.log('DEBUG', LOG, `Local Ec2 mode only supported on (${LOCAL_PLATFORMS.map((p) => `'${p}'`).join(', ')}), not ${cloud}`);
      return undefined;
    }
    let strict: StrictMode;
    try {
      strict = parseStrictMode(strictIdCfg(ctx.cfg) ?? 'warn');
    } catch (e) {
      host.log.log('WARNING', LOG, (e as Error).message);
      strict = { mode: 'warn', sleep: undefined };
    }
    host.log.log('DEBUG', LOG, `strict_mode: ${strict.mode}, cloud_name=${cloud} cloud_platform=ec2`);
    if (strict.mode === 'true' && cloud === 'unknown') return undefined;
    const start = host.clock.now();
    const run = () => fetchEc2(ctx, cloud);
    try {
      const r = ctx.stage === 'local' ? await ctx.withEphemeralNetwork(run) : await run();
      host.log.log('DEBUG', 'util', `Crawl of metadata service took ${(host.clock.now() - start).toFixed(3)} seconds`);
      return r;
    } catch (e) {
      host.log.log('WARNING', LOG, (e as Error).message);
      return undefined;
    }
  },
  async activate(ctx, data, isNewInstance) {
    if (!isNewInstance || data.cloudName !== 'unknown') return;
    await showNonEc2Warning(ctx.host, ctx.paths, ctx.cfg);
  },
};
