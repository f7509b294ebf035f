// Request paths as Nova's metadata handler sees them: query string dropped, percent-escapes decoded
// (WSGI's PATH_INFO), then posixpath.normpath: repeated slashes, "." and ".." collapse and a
// trailing slash is irrelevant. Nova never redirects, so neither does anything built on this.

/** The normalised path ("/openstack/latest"), or undefined when the request target is unusable. */
export function normalizeMetadataPath(target: string): string | undefined {
  let path = target;
  const q = path.indexOf('?');
  if (q >= 0) path = path.slice(0, q);
  const h = path.indexOf('#');
  if (h >= 0) path = path.slice(0, h);
  if (path.charCodeAt(0) !== 47 /* / */) {
    // absolute-form (`GET http://169.254.169.254/openstack HTTP/1.1`), as sent through a forward proxy
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/.exec(path);
    if (m) path = path.slice(m[0].length) || '/';
    else if (path === '*' || path === '') return undefined;
    else path = `/${path}`;
  }
  if (path.includes('%')) {
    try {
      path = decodeURIComponent(path);
    } catch {
      return undefined;
    }
  }
  // Fast path: already normal (the common case for every real client).
  if (!/\/\/|\/\.\.?(\/|$)|.\/$/.test(path)) return path;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** "/openstack/latest/meta_data.json" → ["openstack", "latest", "meta_data.json"]; "/" → []. */
export function pathTokens(normalized: string): string[] {
  return normalized === '/' ? [] : normalized.slice(1).split('/');
}
