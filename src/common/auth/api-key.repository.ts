import type { Role } from './access.js';

/** The one method the key store needs; DatabasePool (the app) and a TypeORM DataSource (the CLI) both have it. */
export interface Queryable {
  query<R extends object>(text: string, params?: unknown[]): Promise<R[]>;
}

/** A stored key, without its secret hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  /** Null: every unit. */
  units: string[] | null;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

interface Row {
  id: string;
  name: string;
  role: Role;
  units: string[] | null;
  secret_hash: string;
  created_at: Date;
  created_by: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const toRecord = (row: Row): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  role: row.role,
  units: row.units,
  createdAt: row.created_at,
  createdBy: row.created_by,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
  revokedBy: row.revoked_by,
});

/** The `api_keys` table, in plain SQL so the CLI can use it without the application. */
export class ApiKeyRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts a key; false when its id exists already (nothing changed). */
  async insert(key: {
    id: string;
    name: string;
    role: Role;
    units: readonly string[] | null;
    secretHash: string;
    createdBy: string | null;
  }): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO api_keys (id, name, role, units, secret_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [key.id, key.name, key.role, key.units, key.secretHash, key.createdBy],
    );
    return rows.length === 1;
  }

  /** The key and its hash, for checking a presented secret. */
  async findForCheck(id: string): Promise<(ApiKeyRecord & { secretHash: string }) | undefined> {
    const rows = await this.db.query<Row>(`SELECT * FROM api_keys WHERE id = $1`, [id]);
    return rows[0] && { ...toRecord(rows[0]), secretHash: rows[0].secret_hash };
  }

  async find(id: string): Promise<ApiKeyRecord | undefined> {
    const rows = await this.db.query<Row>(`SELECT * FROM api_keys WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(includeRevoked: boolean): Promise<ApiKeyRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM api_keys ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, id`,
    );
    return rows.map(toRecord);
  }

  async count(): Promise<number> {
    const rows = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_keys`);
    return rows[0].n;
  }

  /** Revokes the key; the record after it, or undefined when unknown. Revoking twice keeps the first time. */
  async revoke(id: string, by: string | null): Promise<ApiKeyRecord | undefined> {
    await this.db.query(
      `UPDATE api_keys SET revoked_at = clock_timestamp(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [id, by],
    );
    return this.find(id);
  }

  async touch(id: string): Promise<void> {
    await this.db.query(`UPDATE api_keys SET last_used_at = clock_timestamp() WHERE id = $1`, [id]);
  }

  /** Those of `ids` that are still valid. */
  async active(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM api_keys WHERE id = ANY($1::varchar[]) AND revoked_at IS NULL`,
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }
}
