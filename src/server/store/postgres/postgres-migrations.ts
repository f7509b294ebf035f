// Versioned schema migrations for the PostgreSQL store, applied in name order by Kysely's migrator
// under an advisory lock (replicas starting together migrate once). Never edit a released
// migration: add the next one. The shape matches sqlite-migrations.ts (tables.ts), in PostgreSQL's
// types: bytea for user data, bigint revisions.
import { sql, type Kysely, type Migration } from 'kysely';

/** The channel that write transactions notify on commit; the payload is the new revision. */
export const CHANGES_CHANNEL = 'kindling_changes';

// Keys compare bytewise ("C"), as in SQLite: uuid order (pagination) is the same on both stores
// whatever the database's locale, and the comparisons are cheaper.
const KEY = sql`text collate "C"`;

export const postgresMigrations: Record<string, Migration> = {
  '0001-instances': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('instances')
        .addColumn('uuid', KEY, (c) => c.primaryKey())
        .addColumn('project_id', KEY, (c) => c.notNull())
        // text, not jsonb: jsonb reorders keys, and the record must come back as it went in
        .addColumn('doc', 'text', (c) => c.notNull())
        .addColumn('user_data', 'bytea')
        .addColumn('password', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('instances_project').on('instances').columns(['project_id', 'uuid']).execute();
      await db.schema.createIndex('instances_revision').on('instances').column('revision').execute();
      await db.schema
        .createTable('instance_addresses')
        .addColumn('address', KEY, (c) => c.primaryKey())
        .addColumn('uuid', KEY, (c) => c.notNull().references('instances.uuid').onDelete('cascade'))
        .execute();
      await db.schema.createIndex('instance_addresses_uuid').on('instance_addresses').column('uuid').execute();
      await db.schema
        .createTable('tombstones')
        .addColumn('uuid', KEY, (c) => c.primaryKey())
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tombstones_revision').on('tombstones').column('revision').execute();
      await db.schema
        .createTable('counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await sql`INSERT INTO counters (name, value) VALUES ('revision', 0)`.execute(db);
      // Every write bumps the revision first, so one trigger here announces every change, also
      // those made by other tools (kindling db copy) or by hand. NOTIFY is delivered on commit.
      await sql`
        CREATE FUNCTION kindling_notify_revision() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify(${sql.lit(CHANGES_CHANNEL)}, NEW.value::text);
          RETURN NULL;
        END $$`.execute(db);
      await sql`
        CREATE TRIGGER counters_notify AFTER UPDATE ON counters
        FOR EACH ROW WHEN (NEW.name = 'revision') EXECUTE FUNCTION kindling_notify_revision()`.execute(db);
    },
  },
  // The address keys beside the record (tables.ts): a replica's load reads one table.
  '0002-instance-address-column': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('instances').addColumn('addresses', 'text', (c) => c.notNull().defaultTo('')).execute();
      await sql`UPDATE instances SET addresses = coalesce((SELECT string_agg(address, ' ') FROM instance_addresses a WHERE a.uuid = instances.uuid), '')`.execute(db);
    },
  },
};
