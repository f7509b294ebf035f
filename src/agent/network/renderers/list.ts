// The renderers, by name (the plugin list: the only place that imports them all).
import type { Renderer, RendererName } from '../renderer.js';
import { eniRenderer } from './eni.js';
import { netplanRenderer } from './netplan.js';
import { networkManagerRenderer } from './network-manager.js';
import { networkdRenderer } from './networkd.js';
import { sysconfigRenderer } from './sysconfig.js';

export const RENDERERS: { [N in RendererName]: Renderer<N> } = {
  eni: eniRenderer,
  netplan: netplanRenderer,
  sysconfig: sysconfigRenderer,
  networkd: networkdRenderer,
  'network-manager': networkManagerRenderer,
};
