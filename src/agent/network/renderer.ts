// What a renderer is: a pure function from the network model (plus the few existing files it merges
// with) to the files to write. The shared writer does the I/O, atomically.
import type { NetworkState } from './model.js';

export type RendererName = 'eni' | 'netplan' | 'sysconfig' | 'networkd' | 'network-manager';
export const RENDERER_NAMES: RendererName[] = ['eni', 'netplan', 'sysconfig', 'networkd', 'network-manager'];

export interface OutputFile {
  /** Guest path, relative to the root (no leading slash), as cloud-init's target-relative paths. */
  path: string;
  content: string;
  mode: number;
  /** user and group to own the file (by name), when not root */
  owner?: string;
}

export interface RenderResult {
  files: OutputFile[];
  /** guest paths to delete (a known default config that would fight ours) */
  remove: string[];
}

export interface RenderContext {
  /** Current content of a guest path, for renderers that merge (resolv.conf) or clean up. */
  existing(path: string): string | undefined;
  warn(message: string): void;
}

/** Per-distro settings of each renderer (paths, headers, flavour), as the distro table gives them. */
export interface RendererConfigs {
  eni?: { eniPath?: string; eniHeader?: string; netrulesPath?: string | null };
  netplan?: { netplanPath?: string; netplanHeader?: string; features?: string[]; cleanDefault?: boolean; postcmds?: boolean };
  sysconfig?: {
    control?: string;
    flavor?: 'rhel' | 'suse';
    ifaceTemplate?: string;
    routeTemplates?: { ipv4: string; ipv6: string };
    netrulesPath?: string | null;
    dnsPath?: string | null;
    nmConfPath?: string | null;
    sysconfDir?: string;
  };
  networkd?: { networkConfDir?: string };
  'network-manager'?: Record<string, never>;
}

export interface Renderer<N extends RendererName = RendererName> {
  name: N;
  /** Guest paths whose current content render() may ask for through ctx.existing. */
  reads(cfg: NonNullable<RendererConfigs[N]>): string[];
  render(ns: NetworkState, cfg: NonNullable<RendererConfigs[N]>, ctx: RenderContext): RenderResult;
}

/** Target-relative path: cloud-init joins configured paths to the target root without their leading '/'. */
export const rel = (p: string): string => p.replace(/^\/+/, '');
