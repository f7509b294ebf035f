// The datasources kindling-init knows, in one explicit list (checked for duplicates at start-up).
// datasource_list in the config chooses which of them are tried, and in which order.
import type { Datasource } from './types.js';
import { openStack } from './openstack.js';
import { configDrive } from './config-drive.js';
import { noCloud } from './nocloud.js';
import { noneDatasource } from './none.js';
import { ec2 } from './ec2.js';

export const DATASOURCES: readonly Datasource[] = [noCloud, configDrive, openStack, ec2, noneDatasource];

export function datasourceByName(name: string): Datasource | undefined {
  const n = name.replace(/^DataSource/, '');
  return DATASOURCES.find((d) => d.name.toLowerCase() === n.toLowerCase());
}

export function checkDatasourceList(list: readonly Datasource[] = DATASOURCES): void {
  const seen = new Set<string>();
  for (const d of list) {
    const k = d.name.toLowerCase();
    if (seen.has(k)) throw new Error(`duplicate datasource ${d.name}`);
    seen.add(k);
  }
}
