// `node static-metadata-server.js DIR HOST PORT`: serves DIR read-only, a directory as its sorted
// entry names joined by "\n" (Nova's listing style), a file as its bytes; anything else is 404.
import { createServer } from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

const [dir, host, port] = process.argv.slice(2);
if (!dir || !host || !port) {
  console.error('usage: static-metadata-server DIR HOST PORT');
  process.exit(2);
}
createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.(\/|$))+/, '');
  const full = join(dir, path);
  let status = 200;
  let body: Buffer;
  try {
    const st = statSync(full);
    // EC2-style listings mark subdirectories with a trailing slash; Nova's openstack/ listings do not
    const mark = (name: string) => (!path.startsWith('/openstack') && statSync(join(full, name)).isDirectory() ? `${name}/` : name);
    body = st.isDirectory() ? Buffer.from(readdirSync(full).sort().map(mark).join('\n')) : readFileSync(full);
  } catch {
    status = 404;
    body = Buffer.from('404 Not Found');
  }
  const xff = req.headers['x-forwarded-for'];
  console.log(`${req.socket.remoteAddress} ${req.method} ${req.url} ${status}${xff ? ` xff=${xff}` : ''}`);
  res.writeHead(status, { 'content-type': full.endsWith('.json') ? 'application/json' : 'text/plain; charset=UTF-8', 'content-length': body.length });
  res.end(body);
}).listen(Number(port), host, () => console.log(`listening on ${host}:${port}`));
