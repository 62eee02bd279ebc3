import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  type OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { AuditTrail } from '../common/audit/audit-trail.js';
import { assertUnitInScope, mayAccessUnit, type Principal } from '../common/auth/principal.js';
import { IDENTIFIER } from '../common/identifier.js';
import { AppConfig } from '../config/app-config.js';
import { SparkplugHostService } from './sparkplug-host.service.js';
import { SparkplugMappingRepository, type MappingOverrideInput } from './sparkplug-mapping.repository.js';
import { unitIdOf } from './sparkplug.mapping.js';
import { type MappingOverride, MappingOverrides, MAX_OVERRIDES, renameProblems } from './sparkplug-overrides.js';
import {
  type SparkplugMappingDto,
  type SparkplugMappingResponse,
  toSparkplugMappingResponse,
} from './sparkplug.dto.js';

const where = (o: Pick<MappingOverride, 'groupId' | 'edgeNodeId' | 'deviceId'>): string =>
  `${o.groupId}/${o.edgeNodeId}${o.deviceId === undefined ? '' : `/${o.deviceId}`}`;

/**
 * Engineers' overrides of the default Sparkplug mapping (docs/sparkplug.md#mapping-overrides): stored, restored
 * into MappingOverrides before the broker connection opens, applied by the host at the node's next birth. After
 * every change a Rebirth NCMD asks the edge node for that birth at once (when it is known and the broker
 * connected). Scope: an override moves a node's points from one unit to another, so both its default unit and the
 * unit it maps to (before and after a change) must be in the caller's scope.
 */
@Injectable()
export class SparkplugMappingsService implements OnModuleInit {
  private readonly logger = new Logger(SparkplugMappingsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repository: SparkplugMappingRepository,
    private readonly overrides: MappingOverrides,
    private readonly host: SparkplugHostService,
  ) {}

  /** Before the first birth can arrive: MQTT connects at application bootstrap, after every module's init. */
  async onModuleInit(): Promise<void> {
    for (const o of await this.repository.list()) this.overrides.put(o);
    if (this.overrides.size > 0) this.logger.log(`Sparkplug: ${this.overrides.size} mapping overrides restored`);
  }

  list(by: Principal): SparkplugMappingResponse[] {
    return this.overrides
      .all()
      .filter((o) => mayAccessUnit(by, o.unitId) && mayAccessUnit(by, defaultUnit(o)))
      .map((o) => toSparkplugMappingResponse(o, defaultUnit(o)));
  }

  async create(dto: SparkplugMappingDto, by: Principal): Promise<SparkplugMappingResponse> {
    this.requireHost();
    const input = this.checked(dto, by);
    if (this.overrides.size >= MAX_OVERRIDES) {
      throw new ConflictException(`At most ${MAX_OVERRIDES} Sparkplug mapping overrides`);
    }
    const existing = this.overrides.find(input.groupId, input.edgeNodeId, input.deviceId);
    if (existing !== undefined) {
      throw new ConflictException(`${where(input)} has an override already (${existing.id}): change it with PUT`);
    }
    this.assertUnitFree(input);
    const saved = await this.repository.insert(input);
    if (saved === undefined) throw new ConflictException(`${where(input)} or unit '${input.unitId}' has an override`);
    this.overrides.put(saved);
    const answer = this.changed(saved);
    AuditTrail.change(null, answer);
    return answer;
  }

  async update(id: string, dto: SparkplugMappingDto, by: Principal): Promise<SparkplugMappingResponse> {
    this.requireHost();
    const old = this.load(id, by);
    const input = this.checked(dto, by);
    this.assertUnitFree(input, id);
    const saved = await this.repository.update(id, input);
    if (saved === undefined) {
      if (this.overrides.byId(id) === undefined) throw new NotFoundException(`Unknown Sparkplug mapping '${id}'`);
      throw new ConflictException(`${where(input)} or unit '${input.unitId}' has another override`);
    }
    this.overrides.put(saved);
    // A node moved to other ids is asked for a birth too, so that its old unit is let go at once.
    if (old.groupId !== saved.groupId || old.edgeNodeId !== saved.edgeNodeId) {
      this.host.rebirthIfKnown(old.groupId, old.edgeNodeId);
    }
    const answer = this.changed(saved);
    AuditTrail.change(toSparkplugMappingResponse(old, defaultUnit(old)), answer);
    return answer;
  }

  async remove(id: string, by: Principal): Promise<SparkplugMappingResponse> {
    this.requireHost();
    const old = this.load(id, by);
    if (!(await this.repository.remove(id))) throw new NotFoundException(`Unknown Sparkplug mapping '${id}'`);
    this.overrides.remove(id);
    const answer = this.changed(old);
    AuditTrail.change(toSparkplugMappingResponse(old, defaultUnit(old)), null);
    return answer;
  }

  /** The host holds the overrides in memory: a change made on an instance without it would not reach it. */
  private requireHost(): void {
    if (this.config.sparkplugEnabled) return;
    throw new ServiceUnavailableException(
      'Sparkplug is off on this instance (SPARKPLUG_ENABLED): change mappings on the instance that runs the host',
    );
  }

  /** The answer to a change, after asking the edge node for the birth that applies it. */
  private changed(o: MappingOverride): SparkplugMappingResponse {
    const rebirth = this.host.rebirthIfKnown(o.groupId, o.edgeNodeId);
    return toSparkplugMappingResponse(o, defaultUnit(o), rebirth);
  }

  private load(id: string, by: Principal): MappingOverride {
    const o = this.overrides.byId(id);
    if (o === undefined) throw new NotFoundException(`Unknown Sparkplug mapping '${id}'`);
    assertUnitInScope(by, defaultUnit(o), `Sparkplug mapping ${id}`);
    assertUnitInScope(by, o.unitId, `Sparkplug mapping ${id}`);
    return o;
  }

  /** The request as an override, after the rules the DTO cannot say and the caller's scope. */
  private checked(dto: SparkplugMappingDto, by: Principal): MappingOverrideInput {
    const input: MappingOverrideInput = {
      groupId: dto.group_id,
      edgeNodeId: dto.edge_node_id,
      deviceId: dto.device_id,
      unitId: dto.unit_id,
      metrics: dto.metrics ?? {},
    };
    const fallback = unitIdOf(input.groupId, input.edgeNodeId, input.deviceId);
    const problems = renameProblems(input.metrics, IDENTIFIER);
    if (fallback === undefined) problems.push(`${where(input)} has no default unit (its ids sanitise to nothing)`);
    if (problems.length > 0) throw new BadRequestException(problems);
    assertUnitInScope(by, fallback!, `Sparkplug ${where(input)}`);
    assertUnitInScope(by, input.unitId, `Sparkplug mapping to '${input.unitId}'`);
    return input;
  }

  /** No other override, nor another node or device the host knows, may feed the unit. */
  private assertUnitFree(input: MappingOverrideInput, self?: string): void {
    const other = this.overrides.holderOf(input.unitId, self);
    if (other !== undefined) {
      throw new ConflictException(`Unit '${input.unitId}' is the override of ${where(other)} (${other.id})`);
    }
    const holder = this.host.unitHolder(input.unitId);
    if (holder === undefined) return;
    const fed = where({ groupId: holder.group, edgeNodeId: holder.edgeNode, deviceId: holder.device });
    if (fed !== where(input)) throw new ConflictException(`Unit '${input.unitId}' is fed by Sparkplug ${fed}`);
  }
}

function defaultUnit(o: Pick<MappingOverride, 'groupId' | 'edgeNodeId' | 'deviceId'>): string {
  return unitIdOf(o.groupId, o.edgeNodeId, o.deviceId) ?? '';
}
