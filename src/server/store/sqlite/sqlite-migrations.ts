// Versioned schema migrations for the SQLite store, applied in name order by Kysely's migrator.
// Never edit a released migration: add the next one.
import { sql, type Kysely, type Migration } from 'kysely';

export const sqliteMigrations: Record<string, Migration> = {
  '0001-instances': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('instances')
        .addColumn('uuid', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('doc', 'text', (c) => c.notNull())
        .addColumn('user_data', 'blob')
        .addColumn('password', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('instances_project').on('instances').columns(['project_id', 'uuid']).execute();
      await db.schema.createIndex('instances_revision').on('instances').column('revision').execute();
      await db.schema
        .createTable('instance_addresses')
        .addColumn('address', 'text', (c) => c.primaryKey())
        .addColumn('uuid', 'text', (c) => c.notNull().references('instances.uuid').onDelete('cascade'))
        .execute();
      await db.schema.createIndex('instance_addresses_uuid').on('instance_addresses').column('uuid').execute();
      await db.schema
        .createTable('tombstones')
        .addColumn('uuid', 'text', (c) => c.primaryKey())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tombstones_revision').on('tombstones').column('revision').execute();
      await db.schema
        .createTable('counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'integer', (c) => c.notNull())
        .execute();
      await sql`INSERT INTO counters (name, value) VALUES ('revision', 0)`.execute(db);
    },
  },
  // The address keys beside the record (tables.ts): a replica's load reads one table.
  '0002-instance-address-column': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('instances').addColumn('addresses', 'text', (c) => c.notNull().defaultTo('')).execute();
      await sql`UPDATE instances SET addresses = coalesce((SELECT group_concat(address, ' ') FROM instance_addresses a WHERE a.uuid = instances.uuid), '')`.execute(db);
    },
  },
};
