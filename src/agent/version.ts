// kindling-init's own version, and the cloud-init release it is a drop-in for. Strings that tools
// parse ("Cloud-init v. X running ...", the final message, `--version`) carry the compatible
// cloud-init version so that `cloud-init analyze` and boot-watching scripts keep working.
export const KINDLING_INIT_VERSION = '0.1.0';
export const CLOUD_INIT_COMPAT_VERSION = '22.4.2';
