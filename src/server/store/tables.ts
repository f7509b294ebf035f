// The relational shape every SQL adapter migrates to, as Kysely table types. The instance's
// content lives in one JSON document column; the columns beside it are what queries filter on
// and what has its own writer (the guest's password).
import type { Generated } from 'kysely';

export interface InstancesTable {
  uuid: string;
  project_id: string;
  /** JSON: every InstanceData field except uuid, project_id, user_data and password. */
  doc: string;
  user_data: Uint8Array | null;
  password: string | null;
  created_at: string;
  updated_at: string;
  revision: number;
  /**
   * The identifying address keys, space-separated (a copy of the address table's rows for this
   * instance, so that a replica loads its index with one plain scan).
   */
  addresses: string;
}

/** One row per identifying address (IP or MAC, canonical form): the primary key makes them unique. */
export interface AddressesTable {
  address: string;
  uuid: string;
}

/** Deleted instances, so that changesSince can report deletions. */
export interface TombstonesTable {
  uuid: string;
  revision: number;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface StoreTables {
  instances: InstancesTable;
  instance_addresses: AddressesTable;
  tombstones: TombstonesTable;
  counters: CountersTable;
  // Kysely's migrator keeps its own tables; nothing else.
  _unused?: { id: Generated<number> };
}
