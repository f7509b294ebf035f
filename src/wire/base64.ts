// Base64 decoding as the WHATWG "forgiving-base64 decode" (what atob does: ASCII whitespace ignored,
// padding optional, anything else outside the alphabet an error), into bytes. Node 18's atob checks
// every character against the alphabet with a linear search, which costs milliseconds per
// kilobyte; this is one table lookup per character. No I/O, no Buffer: shared by both halves.
const TABLE = (() => {
  const t = new Int16Array(128).fill(-1);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < abc.length; i++) t[abc.charCodeAt(i)] = i;
  return t;
})();

export class Base64Error extends Error {}

export function base64Decode(input: string): Uint8Array {
  let s = input;
  if (/[\t\n\f\r ]/.test(s)) s = s.replace(/[\t\n\f\r ]+/g, '');
  if (s.length % 4 === 0) {
    if (s.endsWith('==')) s = s.slice(0, -2);
    else if (s.endsWith('=')) s = s.slice(0, -1);
  }
  if (s.length % 4 === 1) throw new Base64Error('The string to be decoded is not correctly encoded.');
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? TABLE[c]! : -1;
    if (v < 0) throw new Base64Error('The string to be decoded is not correctly encoded.');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
    acc &= 0xff;
  }
  return out;
}
