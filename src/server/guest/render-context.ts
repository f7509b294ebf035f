// Service-wide settings that shape what guests see (not per instance).
import type { JsonObject } from '../../wire/instance.js';

export interface RenderContext {
  /** Nova's [api] dhcp_domain: appended to host names; '' serves the bare name. */
  dhcpDomain: string;
  /** Service-wide static vendor data (Nova's vendordata_jsonfile_path); an instance's own wins. */
  vendorData: JsonObject;
  /** The region named in EC2 identity documents (default RegionOne). */
  region?: string;
  /** Clock for the /openstack listing's future-version rule. */
  now(): number;
}
