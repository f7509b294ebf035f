// The control API's OpenAPI 3.1 document, served at /v1/openapi.json. The instance schema is the
// very object the validator compiles, so the document cannot drift from what is enforced.
import { instanceInputSchema } from '../registry/instance-schema.js';

const error = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'status', 'message'],
      properties: {
        code: { type: 'string', enum: ['bad_request', 'invalid_instance', 'unauthorized', 'not_found', 'method_not_allowed', 'conflict', 'payload_too_large', 'unsupported_media_type', 'store_unavailable', 'internal'] },
        status: { type: 'integer' },
        message: { type: 'string' },
        details: {
          description: 'For invalid_instance: one entry per bad field',
          type: 'array',
          items: { type: 'object', properties: { path: { type: 'string', description: 'JSON pointer' }, reason: { type: 'string' } } },
        },
      },
    },
  },
};

const errResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const instanceResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Instance' } } } });
const idParam = { name: 'uuid', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kindling control API',
      version,
      description:
        'The instance registry behind the Nova-compatible metadata service. Every /v1 call except this document needs ' +
        '`Authorization: Bearer <token>` (the token file written by `kindling serve`). Errors carry a stable `code`.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        InstanceInput: instanceInputSchema,
        Instance: {
          allOf: [{ $ref: '#/components/schemas/InstanceInput' }],
          description: 'As stored: user_data as text when it is UTF-8, else user_data_base64; files likewise.',
          required: ['uuid', 'name', 'hostname', 'addresses', 'created_at', 'updated_at', 'revision'],
        },
        InstanceList: {
          type: 'object',
          properties: {
            instances: { type: 'array', items: { $ref: '#/components/schemas/Instance' } },
            next_marker: { type: ['string', 'null'], description: 'Pass as `marker` for the next page; null on the last page' },
          },
        },
        Error: error,
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: { security: [], summary: 'Readiness (no token needed)', responses: { 200: { description: 'ready: status "ok", or "degraded" with a reason when the store is unreachable and guests are answered from the last known state' }, 503: { description: 'not ready (starting)' } } },
      },
      '/v1/openapi.json': { get: { security: [], summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
      '/v1/instances': {
        get: {
          summary: 'List instances, by uuid order',
          parameters: [
            { name: 'project_id', in: 'query', schema: { type: 'string' } },
            { name: 'address', in: 'query', schema: { type: 'string' }, description: 'IP or MAC: the instance that owns it' },
            { name: 'marker', in: 'query', schema: { type: 'string' }, description: 'Start after this uuid' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: { 200: { description: 'A page', content: { 'application/json': { schema: { $ref: '#/components/schemas/InstanceList' } } } }, 400: errResponse('bad query'), 401: errResponse('no or wrong token') },
        },
        post: {
          summary: 'Create an instance',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/InstanceInput' } } } },
          responses: {
            201: instanceResponse('created'),
            400: errResponse('invalid field (details name each one)'),
            401: errResponse('no or wrong token'),
            409: errResponse('uuid exists, or an address belongs to another instance'),
            413: errResponse('user_data over 65535 base64 characters'),
          },
        },
      },
      '/v1/instances/{uuid}': {
        parameters: [idParam],
        get: { summary: 'Show an instance', responses: { 200: instanceResponse('the instance'), 404: errResponse('unknown') } },
        patch: {
          summary: 'Change an instance (JSON merge patch, RFC 7396; null removes or resets a field)',
          requestBody: { required: true, content: { 'application/merge-patch+json': { schema: { type: 'object' } }, 'application/json': { schema: { type: 'object' } } } },
          responses: { 200: instanceResponse('updated'), 400: errResponse('invalid field'), 404: errResponse('unknown'), 409: errResponse('address clash or stale revision'), 413: errResponse('user_data too large') },
        },
        delete: { summary: 'Delete an instance', responses: { 204: { description: 'deleted' }, 404: errResponse('unknown') } },
      },
      '/v1/instances/{uuid}/user-data': {
        parameters: [idParam],
        get: { summary: 'The raw user data', responses: { 200: { description: 'bytes', content: { 'application/octet-stream': {} } }, 404: errResponse('unknown instance, or no user data') } },
        put: { summary: 'Replace the user data with the raw request body', requestBody: { required: true, content: { 'application/octet-stream': {} } }, responses: { 200: instanceResponse('updated'), 413: errResponse('too large') } },
        delete: { summary: 'Remove the user data', responses: { 204: { description: 'removed' } } },
      },
      '/v1/instances/{uuid}/password': {
        parameters: [idParam],
        get: { summary: 'The password the guest posted', responses: { 200: { description: '{"password": string|null}' } } },
        delete: { summary: 'Clear it (the guest can post again)', responses: { 204: { description: 'cleared' } } },
      },
      '/v1/instances/{uuid}/config-drive': {
        parameters: [idParam],
        get: {
          summary: 'The config drive (config-2) or NoCloud seed (cidata) image, streamed with its exact Content-Length',
          parameters: [{
            name: 'format', in: 'query', schema: { type: 'string', enum: ['iso', 'vfat', 'nocloud', 'nocloud-vfat'], default: 'iso' },
            description: 'iso: ISO 9660 + Rock Ridge + Joliet, as genisoimage -J -r; vfat: Nova\'s 64 MiB FAT image; nocloud(-vfat): a NoCloud seed',
          }],
          responses: {
            200: { description: 'the image', content: { 'application/x-iso9660-image': {}, 'application/octet-stream': {} } },
            400: errResponse('unknown format'),
            404: errResponse('unknown instance'),
            422: errResponse('the tree does not fit the medium (vfat: 64 MiB)'),
          },
        },
      },
    },
  };
}
