// The EC2-compatible API versions Nova serves, and the rule for what each one carries.

export const EC2_VERSIONS = [
  '1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01',
  '2008-09-01', '2009-04-04',
] as const;
export type Ec2Version = (typeof EC2_VERSIONS)[number];

/** What `latest` means on the EC2 side (Nova's newest EC2 version). */
export const EC2_LATEST: Ec2Version = '2009-04-04';

/** A requested version directory → the version it serves, or undefined when unknown (404). */
export function resolveEc2Version(v: string): Ec2Version | undefined {
  if (v === 'latest') return EC2_LATEST;
  return (EC2_VERSIONS as readonly string[]).includes(v) ? (v as Ec2Version) : undefined;
}

export function ec2AtLeast(version: Ec2Version, required: Ec2Version): boolean {
  return EC2_VERSIONS.indexOf(version) >= EC2_VERSIONS.indexOf(required);
}

/** The body of `GET /`: every version and `latest`, newline-separated, no trailing newline. */
export function ec2VersionListing(): string {
  return [...EC2_VERSIONS, 'latest'].join('\n');
}
