// `devel net-convert`: one network config in, one renderer's files out, with the distro's paths.
// Offline by design: NIC names come from -m pairs, and only when a config needs names it does
// not give does the NIC table of the machine (sysfs) get read, as cloud-init does.
import { eniToV1 } from './from-eni.js';
import { openstackToV1 } from './from-openstack.js';
import { NetworkConfigError } from './model.js';
import { ibHwaddrsByInterface, interfacesByMac, type MacTable, type SysHost } from './names.js';
import { parseNetworkConfig, unwrapNetwork } from './parse.js';
import { loadPyYaml } from './pyyaml-load.js';
import { rendererConfigsFor } from './distro-configs.js';
import type { RenderContext, RendererName, RenderResult } from './renderer.js';
import { RENDERERS } from './renderers/list.js';

export const INPUT_KINDS = ['eni', 'network_data.json', 'yaml'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

// netplan features assumed offline (no `netplan info` to ask)
const OFFLINE_NETPLAN_FEATURES = ['dhcp-use-domains', 'ipv6-mtu'];

export interface NetConvertRequest {
  kind: InputKind;
  text: string;
  distro: string;
  output: RendererName;
  /** -m name,mac pairs, in order */
  macs: Array<[name: string, mac: string]>;
  /** for sysfs when a name is needed and no -m was given */
  sys: SysHost;
  /** existing content of a path in the output directory (renderers that merge) */
  existing: RenderContext['existing'];
  warn: (m: string) => void;
}

/** The network config document of an input file, before it becomes the model. */
export async function readInput(req: Pick<NetConvertRequest, 'kind' | 'text' | 'macs' | 'sys' | 'warn'>): Promise<unknown> {
  switch (req.kind) {
    case 'eni':
      return eniToV1(req.text);
    case 'yaml': {
      let doc: unknown;
      try {
        doc = loadPyYaml(req.text);
      } catch (e) {
        throw new NetworkConfigError(`input is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
      }
      return unwrapNetwork(doc);
    }
    case 'network_data.json': {
      let doc: unknown;
      try {
        doc = JSON.parse(req.text);
      } catch (e) {
        throw new NetworkConfigError(`input is not valid JSON: ${(e as Error).message}`);
      }
      let knownMacs: MacTable;
      if (req.macs.length) knownMacs = new Map(req.macs.map(([name, mac]) => [mac, name]));
      else knownMacs = await interfacesByMac(req.sys, req.warn);
      return openstackToV1(doc, { knownMacs, ibHwaddrs: await ibHwaddrsByInterface(req.sys), warn: req.warn });
    }
  }
}

export async function netConvert(req: NetConvertRequest): Promise<RenderResult> {
  const doc = await readInput(req);
  const configs = rendererConfigsFor(req.distro);
  const needsMacs = doc && typeof doc === 'object' && (doc as Record<string, unknown>).version === 2 && req.output !== 'netplan';
  const ns = parseNetworkConfig(doc, {
    renderer: req.output,
    macs: needsMacs ? await interfacesByMac(req.sys, req.warn) : new Map(),
    warn: req.warn,
  });
  const ctx: RenderContext = { existing: req.existing, warn: req.warn };
  switch (req.output) {
    case 'netplan':
      return RENDERERS.netplan.render(ns, { ...configs.netplan, features: OFFLINE_NETPLAN_FEATURES }, ctx);
    case 'eni':
      return RENDERERS.eni.render(ns, configs.eni ?? {}, ctx);
    case 'sysconfig':
      return RENDERERS.sysconfig.render(ns, configs.sysconfig ?? {}, ctx);
    case 'networkd':
      return RENDERERS.networkd.render(ns, configs.networkd ?? {}, ctx);
    case 'network-manager':
      return RENDERERS['network-manager'].render(ns, {}, ctx);
  }
}
