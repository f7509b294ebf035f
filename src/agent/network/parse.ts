// A network config document (v1 or v2, with or without the top-level `network:` key) → the model.
// For the netplan renderer, v2 is not interpreted at all: netplan gets the document as it came.
import { fromV1 } from './from-v1.js';
import { fromV2, passthroughV2 } from './from-v2.js';
import { NetworkConfigError, emptyState, type NetworkState } from './model.js';
import type { MacTable } from './names.js';
import type { Warn } from './normalize.js';
import { pyRepr } from './pyfmt.js';

export interface ParseOptions {
  /** The renderer that will consume the state: 'netplan' passes v2 through. */
  renderer?: string;
  /** MAC → name of the NICs present, for v2 devices matched by MAC without set-name. */
  macs?: MacTable;
  warn?: Warn;
}

/** Strips a top-level `network:` key, as cloud-init accepts both spellings. */
export function unwrapNetwork(doc: unknown): unknown {
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && 'network' in doc) return (doc as Record<string, unknown>).network;
  return doc;
}

export function isDisabled(doc: unknown): boolean {
  return !!doc && typeof doc === 'object' && !Array.isArray(doc) && (doc as Record<string, unknown>).config === 'disabled';
}

export function parseNetworkConfig(doc: unknown, opts: ParseOptions = {}): NetworkState {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new NetworkConfigError(`network config must be a mapping with a version, got ${pyRepr(doc)}`);
  }
  const cfg = doc as Record<string, unknown>;
  const version = cfg.version;
  if (version === 2) {
    return opts.renderer === 'netplan' ? passthroughV2(cfg) : fromV2(cfg, opts.macs, opts.warn);
  }
  if (version === 1 && cfg.config !== undefined && cfg.config !== null) return fromV1(cfg.config, opts.warn);
  if (version && version !== 1 && cfg.config !== undefined && cfg.config !== null) return emptyState(1);
  throw new NetworkConfigError(`No valid network_state object created from network config. Did you specify the correct version? Network config: ${pyRepr(cfg)}`);
}
