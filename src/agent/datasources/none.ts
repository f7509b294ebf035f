// DataSourceNone: the last resort. It is always "found", has the fixed instance id
// iid-datasource-none, and takes optional metadata and user-data from datasource.None in config.
import type { Datasource } from './types.js';
import { normalizePubkeys } from './metadata-helpers.js';

export const noneDatasource: Datasource = {
  name: 'None',
  stages: ['network'], // cloud-init lists DataSourceNone for the network stage only
  async detect() {
    return true;
  },
  async fetch(ctx) {
    const md = ctx.dsCfg.metadata && typeof ctx.dsCfg.metadata === 'object' && !Array.isArray(ctx.dsCfg.metadata) ? (structuredClone(ctx.dsCfg.metadata) as Record<string, unknown>) : {};
    md['instance-id'] = 'iid-datasource-none';
    const ud = ctx.dsCfg.userdata_raw;
    return {
      dsname: 'None',
      className: 'DataSourceNone',
      description: 'DataSourceNone',
      dsmode: 'net',
      platform: 'none',
      subplatform: 'config',
      cloudName: 'none',
      metadata: md,
      publicKeys: normalizePubkeys(md['public-keys']),
      userdataRaw: Buffer.from(typeof ud === 'string' ? ud : '').toString('base64'),
      crawled: { meta_data: md },
      checkInstanceId: 'none',
    };
  },
};
