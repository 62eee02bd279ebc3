import { ForbiddenException, Injectable, Logger, NotFoundException, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../../config/runtime.js';
import { Inject } from '@nestjs/common';
import { DatabasePool } from '../database/database.pool.js';
import { AuditTrail } from '../audit/audit-trail.js';
import type { Role } from './access.js';
import { apiKeyFromToken, generateApiKey, parseApiKey, secretMatches } from './api-key.js';
import { type ApiKeyRecord, ApiKeyRepository } from './api-key.repository.js';
import { grantProblem, type Principal } from './principal.js';

/** last_used_at is written at most this often per key: a request must not cost a write. */
const TOUCH_INTERVAL_MS = 60_000;
/**
 * A checked key is trusted this long without asking the database again: a request must not cost a query either
 * (the embedded database has one connection, shared with the reading writer). Revoking here drops it at once;
 * another instance notices within this time. While the database fails, a known key keeps working.
 */
const KEY_CACHE_MS = 10_000;
const KEY_CACHE_SIZE = 10_000;

type StoredKey = ApiKeyRecord & { secretHash: string };

/**
 * API keys: created (the secret shown once), listed, revoked, checked. Also provisions the first admin key: from
 * AUTH_BOOTSTRAP_ADMIN_KEY, or, on the embedded database's first start, a new one printed once as a login URL.
 */
@Injectable()
export class ApiKeyService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');
  private readonly repository: ApiKeyRepository;
  private readonly touched = new Map<string, number>();
  private readonly cache = new Map<string, { key: StoredKey; at: number }>();
  private readonly revokedListeners: ((id: string) => void)[] = [];
  /** The first-start key, until main.ts prints its login URL (it knows the port). */
  private firstStartToken: string | undefined;

  constructor(
    db: DatabasePool,
    private readonly config: AppConfig,
    @Inject(RUNTIME_INFO) private readonly runtime: RuntimeInfo,
  ) {
    this.repository = new ApiKeyRepository(db);
  }

  /** Before the server listens, so a provisioned key works as soon as /health/ready answers. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.authEnabled) return;
    const bootstrap = this.config.authBootstrapAdminKey;
    if (bootstrap !== undefined) {
      const key = apiKeyFromToken(bootstrap)!;
      const existing = await this.repository.findForCheck(key.id);
      if (existing === undefined) {
        await this.repository.insert({ ...key, name: 'bootstrap-admin', role: 'admin', units: null, createdBy: null });
        this.logger.log(`Admin key ${key.id} provisioned from AUTH_BOOTSTRAP_ADMIN_KEY`);
      } else if (!secretMatches(key.secret, existing.secretHash)) {
        this.logger.warn(`AUTH_BOOTSTRAP_ADMIN_KEY: key ${key.id} exists with another secret; left unchanged`);
      }
      return;
    }
    if ((await this.repository.count()) > 0) return;
    if (this.runtime.databaseEmbedded) {
      const key = generateApiKey();
      await this.repository.insert({ ...key, name: 'first-admin', role: 'admin', units: null, createdBy: null });
      this.firstStartToken = key.token;
    } else {
      this.logger.warn(
        'No API key exists yet: create the first admin key with `npm run keys -- create --role admin --name <you>` ' +
          '(or set AUTH_BOOTSTRAP_ADMIN_KEY). Until then every request is refused.',
      );
    }
  }

  /**
   * The first-start key, handed out once: main.ts prints it as a login URL. It is never logged through the
   * logger (which may ship to a log store), and a later start finds a key in the database and prints nothing.
   */
  takeFirstStartToken(): string | undefined {
    const token = this.firstStartToken;
    this.firstStartToken = undefined;
    return token;
  }

  /**
   * Creates a key for the calling principal, who can only create keys no higher in role and no wider in units
   * than its own.
   */
  async create(
    input: { name: string; role: Role; units?: readonly string[] },
    by: Principal,
  ): Promise<ApiKeyRecord & { token: string }> {
    const problem = grantProblem(by, input.role, input.units);
    if (problem !== undefined) throw new ForbiddenException(problem);
    const key = generateApiKey();
    const units = input.units === undefined || input.units.length === 0 ? null : [...new Set(input.units)].sort();
    await this.repository.insert({ ...key, name: input.name, role: input.role, units, createdBy: by.name });
    const record = (await this.repository.find(key.id))!;
    AuditTrail.change(null, record);
    return { ...record, token: key.token };
  }

  /** The keys, or for a unit-scoped caller only those it could have created itself. */
  async list(includeRevoked: boolean, by: Principal): Promise<ApiKeyRecord[]> {
    const keys = await this.repository.list(includeRevoked);
    return keys.filter((k) => by.units === undefined || grantProblem(by, k.role, k.units ?? undefined) === undefined);
  }

  /** Revokes a key; a principal may revoke only keys it could have created (a scoped admin not a plant-wide one). */
  async revoke(id: string, by: Principal): Promise<ApiKeyRecord> {
    const before = await this.repository.find(id);
    if (before === undefined) throw new NotFoundException(`Unknown API key '${id}'`);
    const problem = grantProblem(by, before.role, before.units ?? undefined);
    if (problem !== undefined) throw new ForbiddenException(`Key ${id} is out of reach: ${problem}`);
    const after = (await this.repository.revoke(id, by.name))!;
    this.cache.delete(id);
    AuditTrail.change(before, after);
    for (const listener of this.revokedListeners) listener(id);
    return after;
  }

  /** Called with the key id whenever a key is revoked here (the gateway disconnects its sockets). */
  onRevoked(listener: (id: string) => void): void {
    this.revokedListeners.push(listener);
  }

  /** Of these key ids, the ones not revoked. */
  active(ids: readonly string[]): Promise<Set<string>> {
    return this.repository.active(ids);
  }

  /** The caller a key token stands for, or undefined (unknown, revoked, wrong secret: not told apart). */
  async authenticate(token: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(token);
    if (parsed === undefined) return undefined;
    const stored = await this.lookup(parsed.id);
    // The hash is compared even for a revoked key, so both refusals cost the same.
    if (stored === undefined || !secretMatches(parsed.secret, stored.secretHash) || stored.revokedAt !== null) {
      return undefined;
    }
    const now = Date.now();
    if ((this.touched.get(stored.id) ?? 0) + TOUCH_INTERVAL_MS <= now) {
      this.touched.set(stored.id, now);
      this.repository.touch(stored.id).catch(() => this.touched.delete(stored.id));
    }
    return { kind: 'api_key', id: stored.id, name: stored.name, role: stored.role, units: stored.units ?? undefined };
  }

  private async lookup(id: string): Promise<StoredKey | undefined> {
    const cached = this.cache.get(id);
    const now = Date.now();
    if (cached !== undefined && now - cached.at < KEY_CACHE_MS) return cached.key;
    let key: StoredKey | undefined;
    try {
      key = await this.repository.findForCheck(id);
    } catch (err) {
      if (cached === undefined) throw err;
      return cached.key;
    }
    this.cache.delete(id);
    if (key !== undefined) {
      if (this.cache.size >= KEY_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(id, { key, at: now });
    }
    return key;
  }
}
