// The JSON Schema of an instance as the control API accepts it (POST /v1/instances, and PATCH as a
// merge patch over the same shape). ajv checks structure with it; validate.ts adds the semantic
// checks (formats, references, keys). The OpenAPI document embeds the same object.

const str = (maxLength = 255) => ({ type: 'string', maxLength });
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });

export const addressSchema = {
  type: 'object',
  description: 'An address the instance is identified by: a fixed IP, its MAC, or both.',
  additionalProperties: false,
  properties: {
    ip: { type: 'string', maxLength: 64, description: 'IPv4 or IPv6 address' },
    mac: { type: 'string', maxLength: 64, description: 'MAC address, e.g. fa:16:3e:d8:bb:81' },
  },
};

export const keySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'data'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    type: { enum: ['ssh', 'x509'], default: 'ssh' },
    data: { type: 'string', minLength: 1, maxLength: 16384, description: 'OpenSSH public key line, or a PEM certificate for x509' },
  },
};

export const fileSchema = {
  type: 'object',
  description: 'A file injected onto the config drive (openstack/content/NNNN); give content or content_base64.',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, maxLength: 255 },
    content: { type: 'string' },
    content_base64: { type: 'string' },
  },
};

export const deviceSchema = {
  type: 'object',
  description: "Nova's tagged device metadata (meta_data.json `devices`, 2016-06-30 on).",
  additionalProperties: false,
  required: ['type', 'bus', 'address'],
  properties: {
    type: { enum: ['nic', 'disk', 'share'] },
    bus: { enum: ['pci', 'usb', 'scsi', 'ide', 'xen', 'none'] },
    address: str(),
    tags: { type: 'array', items: str(), maxItems: 50 },
    mac: str(64),
    vlan: { type: 'integer', minimum: 0, maximum: 4094 },
    vf_trusted: { type: 'boolean' },
    serial: str(),
    path: str(),
    share_id: str(),
    tag: str(),
  },
};

export const instanceInputSchema = {
  type: 'object',
  title: 'InstanceInput',
  additionalProperties: false,
  properties: {
    uuid: { type: 'string', description: 'Generated when absent' },
    name: str(),
    hostname: { type: 'string', maxLength: 253, description: 'Short host name; the service appends its DHCP domain (default novalocal)' },
    project_id: str(),
    availability_zone: str(),
    launch_index: { type: 'integer', minimum: 0, maximum: 2147483647 },
    image_id: str(),
    kernel_id: nullable(str()),
    ramdisk_id: nullable(str()),
    instance_type: str(),
    reservation_id: str(),
    security_groups: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 }, maxItems: 100 },
    block_device_mapping: nullable({ type: 'object', additionalProperties: str(), maxProperties: 64 }),
    public_ipv4: nullable({ type: 'string', maxLength: 15 }),
    meta: { type: 'object', additionalProperties: str(), maxProperties: 128, description: 'String key/values (meta_data.json `meta`)' },
    keys: { type: 'array', items: keySchema, maxItems: 100 },
    user_data: nullable({ type: 'string', description: 'User data as text (UTF-8)' }),
    user_data_base64: nullable({ type: 'string', description: 'User data as base64, for binary (e.g. gzip) user data' }),
    vendor_data: nullable({ type: 'object', description: 'Static vendor data (vendor_data.json)' }),
    network: nullable({ type: 'object', description: 'network_data.json: links, networks, services' }),
    devices: { type: 'array', items: deviceSchema, maxItems: 256 },
    dedicated_cpus: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 65535 }, maxItems: 4096 },
    files: { type: 'array', items: fileSchema, maxItems: 64 },
    admin_pass: nullable({ type: 'string', maxLength: 255, description: 'Written into config-drive meta_data.json only' }),
    addresses: { type: 'array', items: addressSchema, maxItems: 64 },
    http_tokens: { enum: ['optional', 'required'] },
    http_endpoint: { enum: ['enabled', 'disabled'] },
    // read-only, accepted so that a shown instance can be edited and sent back
    password: nullable({ type: 'string', description: 'Read-only (set by the guest); null clears it' }),
    created_at: { type: 'string', description: 'Read-only, ignored' },
    updated_at: { type: 'string', description: 'Read-only, ignored' },
    revision: { type: 'integer', description: 'Optional on update: the request fails with 409 unless it is current' },
  },
} as const;
