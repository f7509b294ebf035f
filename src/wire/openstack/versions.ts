// The OpenStack metadata API versions (Nova's OPENSTACK_VERSIONS) and what each adds.

export const FOLSOM = '2012-08-10'; // meta_data.json, user_data
export const GRIZZLY = '2013-04-04'; // password; random_seed
export const HAVANA = '2013-10-17'; // vendor_data.json
export const LIBERTY = '2015-10-15'; // network_data.json; project_id
export const NEWTON_ONE = '2016-06-30'; // devices
export const NEWTON_TWO = '2016-10-06'; // vendor_data2.json
export const OCATA = '2017-02-22'; // devices[].vlan
export const ROCKY = '2018-08-27'; // devices[].vf_trusted
export const VICTORIA = '2020-10-14'; // dedicated_cpus
export const EPOXY = '2025-04-04'; // share devices

export const OPENSTACK_VERSIONS = [
  FOLSOM, GRIZZLY, HAVANA, LIBERTY, NEWTON_ONE, NEWTON_TWO, OCATA, ROCKY, VICTORIA, EPOXY,
] as const;
export type OpenstackVersion = (typeof OPENSTACK_VERSIONS)[number];

/** What `latest` serves. */
export const OPENSTACK_LATEST: OpenstackVersion = EPOXY;

/** A requested version directory → the version it serves, or undefined (404). */
export function resolveOpenstackVersion(v: string): OpenstackVersion | undefined {
  if (v === 'latest') return OPENSTACK_LATEST;
  return (OPENSTACK_VERSIONS as readonly string[]).includes(v) ? (v as OpenstackVersion) : undefined;
}

export function atLeast(version: OpenstackVersion, required: OpenstackVersion): boolean {
  // ISO dates compare as strings
  return version >= required;
}

/**
 * The body of `GET /openstack`: versions dated today (UTC) or earlier, then `latest`. Nova hides
 * future-dated versions from the listing but still serves them when asked by name.
 */
export function openstackVersionListing(todayUtc: string): string {
  return [...OPENSTACK_VERSIONS.filter((v) => v <= todayUtc), 'latest'].join('\n');
}

export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
