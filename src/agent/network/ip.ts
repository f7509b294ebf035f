// Address arithmetic with the acceptance rules of Python's `ipaddress` module, which is what decides
// in cloud-init whether an address, a netmask or a prefix is valid. Matching those rules keeps
// "valid for cloud-init" and "valid for us" the same set: no leading zeros in IPv4 octets, prefix
// lengths as decimal digits, IPv4 masks as netmasks or host masks, IPv6 masks only as prefixes.

const V4_OCTET = /^[0-9]{1,3}$/;

/** The 32-bit value of a dotted IPv4 address, or undefined when Python would refuse it. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!V4_OCTET.test(p)) return undefined;
    if (p.length > 1 && p.startsWith('0')) return undefined; // ambiguous octal, refused since 3.9.5
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

/** The 128-bit value of an IPv6 address (scope id allowed), or undefined. */
export function parseIPv6(input: string): bigint | undefined {
  let s = input;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    const scope = s.slice(pct + 1);
    if (scope === '' || scope.includes('%')) return undefined;
    s = s.slice(0, pct);
  }
  if (s.length < 2) return undefined;
  const groups = s.split(':');
  if (groups.length < 3 || groups.length > 9) return undefined;
  let tail: number[] = [];
  const last = groups[groups.length - 1]!;
  if (last.includes('.')) {
    const v4 = parseIPv4(last);
    if (v4 === undefined) return undefined;
    groups.pop();
    tail = [Math.floor(v4 / 65536), v4 % 65536];
  }
  const maxParts = 8 - tail.length;
  // where the '::' is, if any (only one allowed, ignoring the leading/trailing empty pieces)
  let skip: number | undefined;
  for (let i = 1; i < groups.length - 1; i++) {
    if (groups[i] === '') {
      if (skip !== undefined) return undefined;
      skip = i;
    }
  }
  let head: string[];
  let rest: string[];
  if (skip !== undefined) {
    head = groups.slice(0, skip);
    rest = groups.slice(skip + 1);
    if (head.length === 1 && head[0] === '') head = [];
    else if (head[0] === '') return undefined;
    if (rest.length === 1 && rest[0] === '') rest = [];
    else if (rest[rest.length - 1] === '') return undefined;
    if (head.length + rest.length >= maxParts) return undefined;
  } else {
    if (groups.length !== maxParts) return undefined;
    if (groups[0] === '' || groups[groups.length - 1] === '') return undefined;
    head = groups;
    rest = [];
  }
  const words: number[] = [];
  for (const g of head) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    words.push(parseInt(g, 16));
  }
  const fill = maxParts - head.length - rest.length;
  for (let i = 0; i < fill; i++) words.push(0);
  for (const g of rest) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    words.push(parseInt(g, 16));
  }
  words.push(...tail);
  let v = 0n;
  for (const w of words) v = (v << 16n) | BigInt(w);
  return v;
}

export const isIPv4Address = (s: unknown): boolean => typeof s === 'string' && parseIPv4(s) !== undefined;
export const isIPv6Address = (s: unknown): boolean => typeof s === 'string' && parseIPv6(s) !== undefined;
export const isIPAddress = (s: unknown): boolean => isIPv4Address(s) || isIPv6Address(s);

function prefixFromDigits(s: string, max: number): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/** Prefix length of contiguous leading ones in a `bits`-wide value, or undefined. */
function contiguousPrefix(v: bigint, bits: number): number | undefined {
  const all = (1n << BigInt(bits)) - 1n;
  if (v === 0n) return 0;
  let zeros = 0;
  while (((v >> BigInt(zeros)) & 1n) === 0n) zeros++;
  const ones = v >> BigInt(zeros);
  const len = bits - zeros;
  return ones === (1n << BigInt(len)) - 1n && (v & all) === v ? len : undefined;
}

/** An IPv4 mask written as a prefix, a netmask or a host mask, as `IPv4Network(f"0.0.0.0/{m}")` takes it. */
export function ipv4MaskToPrefix(mask: string): number | undefined {
  const digits = prefixFromDigits(mask, 32);
  if (digits !== undefined) return digits;
  if (/^[0-9]+$/.test(mask)) return undefined;
  const v = parseIPv4(mask);
  if (v === undefined) return undefined;
  const p = contiguousPrefix(BigInt(v), 32);
  if (p !== undefined) return p;
  return contiguousPrefix(BigInt(v) ^ 0xffffffffn, 32); // host mask
}

/** An IPv6 mask as a prefix length or (rarely) as an address-shaped netmask. */
export function ipv6MaskToPrefix(mask: string): number | undefined {
  const digits = prefixFromDigits(mask, 128);
  if (digits !== undefined) return digits;
  if (/^[0-9]+$/.test(mask)) return undefined;
  // Python's ip_address() also takes an IPv4 address here; only the all-zero one makes a valid mask
  if (parseIPv4(mask) !== undefined) return parseIPv4(mask) === 0 ? 0 : undefined;
  const v = parseIPv6(mask);
  return v === undefined ? undefined : contiguousPrefix(v, 128);
}

export function prefixToIPv4Mask(prefix: number): string {
  const v = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/** `ipaddress.IPv4Network(s, strict=False)` accepts it. */
export function isIPv4Network(s: string): boolean {
  const parts = s.split('/');
  if (parts.length > 2 || parseIPv4(parts[0]!) === undefined) return false;
  return parts.length === 1 || ipv4MaskToPrefix(parts[1]!) !== undefined;
}

/** `ipaddress.IPv6Network(s, strict=False)` accepts it (prefix lengths only). */
export function isIPv6Network(s: string): boolean {
  const parts = s.split('/');
  if (parts.length > 2 || parseIPv6(parts[0]!) === undefined) return false;
  return parts.length === 1 || prefixFromDigits(parts[1]!, 128) !== undefined;
}

export const isIPNetwork = (s: string): boolean => isIPv4Network(s) || isIPv6Network(s);
