// IMDSv2's wire rules (AWS): a session token is requested with PUT /latest/api/token and a TTL
// header, then presented on every request in the token header.

export const TOKEN_PATH = '/latest/api/token';
export const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
export const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
export const TTL_MIN = 1;
export const TTL_MAX = 21600;

/** The TTL header's value as seconds, or undefined when missing or out of 1..21600 (400). */
export function parseTokenTtl(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return n >= TTL_MIN && n <= TTL_MAX ? n : undefined;
}
