// Running and reporting versioned migrations, shared by the SQL adapters. Kysely's migrator keeps
// the applied names in kindling_migrations and takes a lock (an advisory lock on PostgreSQL), so
// several replicas starting at once migrate exactly once.
import { Migrator, type Kysely, type Migration } from 'kysely';

function migrator(db: Kysely<any>, migrations: Record<string, Migration>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'kindling_migrations',
    migrationLockTableName: 'kindling_migrations_lock',
  });
}

/** Applies what is pending; returns the names applied now. */
export async function migrateToLatest(db: Kysely<any>, migrations: Record<string, Migration>): Promise<string[]> {
  const { error, results } = await migrator(db, migrations).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const why = (error as Error).message ?? String(error);
    // An older kindling against a database a newer one migrated: say so instead of Kysely's words.
    if (/corrupted migrations/.test(why)) {
      throw new Error(`the database has migrations this version of kindling does not know (${why}); run a newer kindling`);
    }
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${why}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function migrationState(db: Kysely<any>, migrations: Record<string, Migration>): Promise<{ applied: string[]; pending: string[] }> {
  const infos = await migrator(db, migrations).getMigrations();
  const known = new Set(infos.map((i) => i.name));
  const applied = infos.filter((i) => i.executedAt !== undefined).map((i) => i.name);
  const pending = infos.filter((i) => i.executedAt === undefined).map((i) => i.name);
  // Names applied by a newer version are not in our list; Kysely leaves them out, so look.
  const tables = await db.introspection.getTables();
  if (tables.some((t) => t.name === 'kindling_migrations')) {
    const rows = await db.selectFrom('kindling_migrations').select('name').orderBy('name').execute();
    for (const r of rows as { name: string }[]) if (!known.has(r.name)) applied.push(`${r.name} (unknown to this version)`);
  }
  return { applied, pending };
}
