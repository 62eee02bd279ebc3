import { Injectable } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/**
 * Plain SQL through the same pg pool TypeORM uses: the hot path sends one statement per batch without
 * the ORM's per-row work, and there is still only one pool to size and drain.
 */
@Injectable()
export class DatabasePool {
  constructor(private readonly dataSource: DataSource) {}

  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  async query<R extends QueryResultRow>(text: string, params?: unknown[]): Promise<R[]> {
    const result = await this.pool.query<R>(text, params);
    return result.rows;
  }

  /** Runs a statement and returns how many rows it affected. */
  async execute(text: string, params?: unknown[]): Promise<number> {
    const result = await this.pool.query(text, params);
    return result.rowCount ?? 0;
  }

  /** Resolves when the database answers a trivial query within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.pool.query('SELECT 1'), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
