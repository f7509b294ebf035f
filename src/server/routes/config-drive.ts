// GET /v1/instances/{id}/config-drive?format=iso|vfat|nocloud|nocloud-vfat: the image streamed with
// its exact Content-Length, built from the same wire tree the guest API serves, with the service's
// own dhcp_domain and vendor data so that both paths give a guest the same facts.
import type { Instance } from '../../wire/instance.js';
import { driveFileName, driveImage, DRIVE_FORMATS, isDriveFormat } from '../config-drive/build.js';
import { ImageError } from '../config-drive/image-tree.js';
import { KindlingError } from '../errors.js';
import type { RenderContext } from '../guest/render-context.js';
import type { Reply } from '../guest/reply.js';

export interface DriveDeps {
  ctx: RenderContext;
  /** The ISO publisher field, like Nova's "OpenStack Nova <version>". */
  publisher: string;
  /** network_data.json → NoCloud network-config (cloud-init's conversion, from the composition root). */
  nocloudNetworkConfig(networkDataJson: string): string;
  /** Timestamps written into images; the current time unless a test fixes it. */
  clock?: () => Date;
}

export function configDriveReply(instance: Instance, query: URLSearchParams, deps: DriveDeps): Reply {
  const format = query.get('format') ?? 'iso';
  if (!isDriveFormat(format)) {
    throw new KindlingError(400, 'bad_request', `format must be one of ${DRIVE_FORMATS.join(', ')}, not ${JSON.stringify(format)}`);
  }
  let image;
  try {
    image = driveImage(instance, format, {
      dhcpDomain: deps.ctx.dhcpDomain,
      vendorData: deps.ctx.vendorData,
      clock: deps.clock?.() ?? new Date(),
      publisher: deps.publisher,
      nocloudNetworkConfig: deps.nocloudNetworkConfig,
    });
  } catch (e) {
    if (e instanceof ImageError) throw new KindlingError(422, 'unprocessable', `instance ${instance.uuid}: ${e.message}`);
    throw e;
  }
  return {
    status: 200,
    body: Buffer.alloc(0),
    head: [
      'Content-Type', image.mediaType,
      'Content-Length', String(image.size),
      'Content-Disposition', `attachment; filename="${driveFileName(instance, format)}"`,
      // It carries user data and the admin password.
      'Cache-Control', 'no-store',
    ],
    stream: image.chunks(),
  };
}
