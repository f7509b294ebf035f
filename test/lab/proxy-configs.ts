// nginx configurations that put a proxy in front of `kindling serve` in the hypervisor: one that
// signs like Neutron's metadata proxy (X-Instance-ID, X-Tenant-ID, X-Instance-ID-Signature per
// guest address, computed here as neutron-metadata-agent would), one that forwards the client
// address. Client headers of the same names are replaced, never passed through.
import { createHmac } from 'node:crypto';

export interface SignedGuest {
  ip: string;
  uuid: string;
  project: string;
}

export function neutronSignature(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId, 'utf8').digest('hex');
}

const COMMON = `user root root;
worker_processes 1;
error_log error.log info;
events { worker_connections 256; }
`;
const TEMPS = '  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;';

/** A proxy on `listen` that signs every request for the guest at its source address. */
export function signingProxyConfig(opts: { listen: string; upstream: string; secret: string; guests: SignedGuest[] }): string {
  const map = (v: string, pick: (g: SignedGuest) => string) =>
    `  map $remote_addr ${v} {\n    default "";\n${opts.guests.map((g) => `    ${g.ip} "${pick(g)}";`).join('\n')}\n  }`;
  return `${COMMON}http {
  access_log access.log;
${TEMPS}
${map('$kl_instance', (g) => g.uuid)}
${map('$kl_tenant', (g) => g.project)}
${map('$kl_signature', (g) => neutronSignature(opts.secret, g.uuid))}
  server {
    listen ${opts.listen};
    location / {
      proxy_pass http://${opts.upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Instance-ID $kl_instance;
      proxy_set_header X-Tenant-ID $kl_tenant;
      proxy_set_header X-Instance-ID-Signature $kl_signature;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`;
}

/** A proxy that appends the client address to X-Forwarded-For ($proxy_add_x_forwarded_for). */
export function forwardingProxyConfig(opts: { listen: string; upstream: string }): string {
  return `${COMMON}http {
  access_log access.log;
${TEMPS}
  server {
    listen ${opts.listen};
    location / {
      proxy_pass http://${opts.upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
}
