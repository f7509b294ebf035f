// OpenStack over HTTP (cloud-init's DataSourceOpenStack / DataSourceOpenStackLocal). Detection:
// DMI product name "OpenStack Nova"/"OpenStack Compute", a known chassis asset tag, or PID 1's
// product_name; nothing else (no guess on non-x86, unlike cloud-init 22.4: CVE-2024-6174).
// In the local stage it runs inside an ephemeral DHCP lease. It asks the service once for the
// whole tree (/kindling/v1/bundle) and crawls document by document when the service has no bundle.
import type { Datasource, DatasourceContext, DatasourceData, Dsmode } from './types.js';
import { readUrl, waitForUrl, UrlError } from '../http/url-reader.js';
import { urlParams } from './url-params.js';
import { BrokenMetadata, NonReadable, chooseVersion, convertVendorData, parseVersionList, readOpenStackTree, type OpenStackTree, type TreeReader } from '../../wire/openstack/read-tree.js';
import { BUNDLE_PATH, bundleVersions, decodeBundle, BundleError } from '../../wire/openstack/bundle.js';
import { combineUrl, materializeEc2 } from '../../wire/ec2/materialize.js';
import { normalizePubkeys, toCiJson } from './metadata-helpers.js';

const DEF_MD_URL = 'http://169.254.169.254';
const PRODUCT_NAMES = ['OpenStack Nova', 'OpenStack Compute'];
const ASSET_TAGS = [...PRODUCT_NAMES, 'HUAWEICLOUD', 'OpenTelekomCloud', 'SAP CCloud VM'];
const LOG = 'DataSourceOpenStack';

export async function detectOpenStack(ctx: Pick<DatasourceContext, 'dmi' | 'host'>): Promise<boolean> {
  const product = await ctx.dmi.read('system-product-name');
  if (product && PRODUCT_NAMES.includes(product)) return true;
  const tag = await ctx.dmi.read('chassis-asset-tag');
  if (tag && ASSET_TAGS.includes(tag)) return true;
  const environ = await ctx.host.fs.readFile('/proc/1/environ').catch(() => undefined);
  if (environ && environ.toString('latin1').split('\0').includes('product_name=OpenStack Nova')) return true;
  return false;
}

function httpReader(ctx: DatasourceContext, base: string, timeout: number, retries: number, secBetween: number): TreeReader {
  return async (path) => {
    const url = combineUrl(base, path);
    try {
      // cloud-init retries only failures without an HTTP status (e.g. connection refused)
      const r = await readUrl(ctx.host, url, { timeoutSec: timeout, retries, secBetween, shouldRetry: (e) => e.code === undefined });
      return r.body;
    } catch (e) {
      if (e instanceof UrlError && e.code === 404) {
        ctx.host.log.log('DEBUG', 'openstack', `Failed reading optional path ${url} due to: ${e.message}`);
        return undefined;
      }
      throw e;
    }
  };
}

async function crawlEc2(ctx: DatasourceContext, timeout: number, retries: number): Promise<Record<string, unknown>> {
  // cloud-init reads the EC2-compatible tree of the same service at its fixed address
  const base = `${DEF_MD_URL}/latest/meta-data/`;
  const get = async (url: string) => (await readUrl(ctx.host, url, { timeoutSec: timeout, retries, shouldRetry: (e) => e.code === undefined })).body.toString('utf8');
  try {
    return await materializeEc2(await get(base), base, get);
  } catch (e) {
    ctx.host.log.log('WARNING', 'ec2', `Failed fetching meta-data from url ${base}: ${(e as Error).message}`);
    return {};
  }
}

function validDsmode(host: DatasourceContext['host'], v: string | undefined): Dsmode {
  if (v === undefined) return 'net';
  if (v === 'local' || v === 'net' || v === 'disabled') return v;
  host.log.log('WARNING', LOG, `invalid dsmode '${v}', using default=net`);
  return 'net';
}

export function openStackData(ctx: DatasourceContext, tree: OpenStackTree, address: string, ec2: Record<string, unknown>): DatasourceData | undefined {
  const dsmode = validDsmode(ctx.host, tree.dsmode);
  if (dsmode === 'disabled') {
    ctx.host.log.log('INFO', LOG, 'metadata sets dsmode disabled: OpenStack datasource not used');
    return undefined;
  }
  const metadata = toCiJson({ ...tree.metadata }) as Record<string, unknown>;
  if (!('instance-id' in metadata)) metadata['instance-id'] = 'iid-dsopenstack';
  const className = ctx.stage === 'local' ? 'DataSourceOpenStackLocal' : 'DataSourceOpenStack';
  const data: DatasourceData = {
    dsname: 'OpenStack',
    className,
    description: `${className} [${dsmode},ver=2]`,
    dsmode,
    platform: 'openstack',
    subplatform: `metadata (${address})`,
    cloudName: 'openstack',
    metadata,
    publicKeys: normalizePubkeys(metadata.public_keys),
    userdataRaw: Buffer.from(tree.userdata ?? new Uint8Array()).toString('base64'),
    crawled: { meta_data: metadata, network_json: tree.networkdata ?? null, ec2_metadata: ec2 },
    checkInstanceId: 'system-uuid',
  };
  try {
    const vd = convertVendorData(tree.vendordata);
    if (vd !== undefined) data.vendordataRaw = vd;
  } catch (e) {
    ctx.host.log.log('WARNING', LOG, `Invalid content in vendor-data: ${(e as Error).message}`);
  }
  try {
    const vd2 = convertVendorData(tree.vendordata2);
    if (vd2 !== undefined) data.vendordata2Raw = vd2;
  } catch (e) {
    ctx.host.log.log('WARNING', LOG, `Invalid content in vendor-data2: ${(e as Error).message}`);
  }
  const apply = ctx.dsCfg.apply_network_config;
  const applyOff = apply === false || (typeof apply === 'string' && ['false', 'no', 'off', '0'].includes(apply.toLowerCase()));
  if (tree.networkdata !== undefined && !applyOff) data.networkConfig = { format: 'openstack', config: tree.networkdata };
  if (Object.keys(tree.files).length) data.files = Object.fromEntries(Object.entries(tree.files).map(([p, b]) => [p, Buffer.from(b).toString('base64')]));
  return data;
}

async function fetchOpenStack(ctx: DatasourceContext): Promise<DatasourceData | undefined> {
  const p = urlParams(ctx.host, 'OpenStack', ctx.dsCfg, { maxWait: -1, timeout: 10, retries: 5, secBetween: 1 });
  let urls = Array.isArray(ctx.dsCfg.metadata_urls) ? ctx.dsCfg.metadata_urls.filter((u): u is string => typeof u === 'string' && u !== '') : [];
  if (urls.length === 0) urls = [DEF_MD_URL];

  // One request, where the service offers it. It counts against max_wait: a service that does not
  // answer costs no more than the configured bound in all (cloud-init's wait covers the same time).
  const t0 = ctx.host.clock.now();
  const bundleTimeout = p.maxWait > 0 ? Math.min(p.timeout, p.maxWait) : p.timeout;
  for (const base of urls) {
    const url = combineUrl(base, BUNDLE_PATH);
    try {
      const r = await ctx.host.http({ url, timeoutMs: Math.max(1, bundleTimeout) * 1000 });
      ctx.host.log.log('DEBUG', 'url_helper', `Read from ${url} (${r.status}, ${r.body.length}b) after 1 attempts`);
      if (r.status === 200) {
        const files = decodeBundle(r.body);
        const version = chooseVersion(bundleVersions(files));
        ctx.host.log.log('DEBUG', 'openstack', `Selected version '${version}' from the bundle of ${base}`);
        const tree = await readOpenStackTree(async (path) => files.get(path), version);
        const ec2Json = files.get('ec2/latest/meta-data.json');
        const ec2 = ec2Json ? (JSON.parse(Buffer.from(ec2Json).toString('utf8')) as Record<string, unknown>) : {};
        ctx.host.log.log('DEBUG', LOG, `Using metadata source: '${base}' (bundle)`);
        return openStackData(ctx, tree, base, ec2);
      }
      break; // the service answers but has no bundle: crawl it
    } catch (e) {
      if (e instanceof BundleError || e instanceof BrokenMetadata || e instanceof NonReadable) {
        ctx.host.log.log('WARNING', LOG, `Ignoring the metadata bundle of ${base}: ${e.message}; crawling instead`);
        break;
      }
      ctx.host.log.log('DEBUG', 'url_helper', `Calling '${url}' failed: ${(e as Error).message}`);
    }
  }

  // The standard crawl.
  const maxWaitSec = p.maxWait > 0 ? Math.max(1, p.maxWait - (ctx.host.clock.now() - t0)) : p.maxWait;
  const found = await waitForUrl(ctx.host, urls.map((u) => combineUrl(u, 'openstack')), { maxWaitSec, timeoutSec: p.timeout });
  if (!found) {
    ctx.host.log.log('DEBUG', LOG, `Giving up on OpenStack md from ${JSON.stringify(urls.map((u) => combineUrl(u, 'openstack')))}`);
    ctx.host.log.log('WARNING', LOG, 'No active metadata service found');
    return undefined;
  }
  const base = urls.find((u) => combineUrl(u, 'openstack') === found.url) as string;
  ctx.host.log.log('DEBUG', LOG, `Using metadata source: '${base}'`);
  const versions = parseVersionList(found.response.body.toString('utf8'));
  const version = chooseVersion(versions);
  ctx.host.log.log('DEBUG', 'openstack', `Selected version '${version}' from ${JSON.stringify(versions)}`);
  try {
    const [tree, ec2] = await Promise.all([
      readOpenStackTree(httpReader(ctx, base, p.timeout, p.retries, p.secBetween), version),
      crawlEc2(ctx, p.timeout, p.retries),
    ]);
    return openStackData(ctx, tree, base, ec2);
  } catch (e) {
    if (e instanceof NonReadable) ctx.host.log.log('WARNING', LOG, e.message);
    else ctx.host.log.log('WARNING', LOG, `Broken metadata address ${base}: ${(e as Error).message}`);
    return undefined;
  }
}

export const openStack: Datasource = {
  name: 'OpenStack',
  stages: ['local', 'network'],
  detect: detectOpenStack,
  async fetch(ctx) {
    const start = ctx.host.clock.now();
    const run = () => fetchOpenStack(ctx);
    try {
      const r = ctx.stage === 'local' ? await ctx.withEphemeralNetwork(run) : await run();
      ctx.host.log.log('DEBUG', 'util', `Crawl of metadata service took ${(ctx.host.clock.now() - start).toFixed(3)} seconds`);
      return r;
    } catch (e) {
      ctx.host.log.log('WARNING', LOG, (e as Error).message);
      return undefined;
    }
  },
  async checkInstanceId(ctx, data) {
    const uuid = await ctx.dmi.read('system-uuid');
    const iid = String(data.metadata['instance-id'] ?? '');
    return !!uuid && !!iid && uuid.toLowerCase() === iid.toLowerCase();
  },
};
