import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import type { AlertRule, AlertRuleDefinition } from './alert-rule.js';
import { AlertRuleEntity } from './entities/alert-rule.entity.js';

/** A rule as stored, with its bookkeeping times. */
export interface StoredAlertRule extends AlertRule {
  createdAt: Date;
  updatedAt: Date;
}

function toRule(e: AlertRuleEntity): StoredAlertRule {
  return {
    id: e.id,
    sensorType: e.sensorType,
    unitId: e.unitId,
    condition: e.condition,
    threshold: e.threshold,
    low: e.low,
    high: e.high,
    ratePer: e.ratePer,
    severity: e.severity,
    message: e.message,
    deadband: e.deadband,
    onDelaySeconds: e.onDelaySeconds,
    offDelaySeconds: e.offDelaySeconds,
    enabled: e.enabled,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

/** Alert rules in the database. Management traffic only (a few calls a day), so the ORM is the right tool. */
@Injectable()
export class AlertRuleRepository {
  constructor(@InjectRepository(AlertRuleEntity) private readonly rules: Repository<AlertRuleEntity>) {}

  /** Every rule that is not deleted, oldest first. */
  async list(): Promise<StoredAlertRule[]> {
    const rows = await this.rules.find({ where: { deletedAt: IsNull() }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toRule);
  }

  async find(id: string): Promise<StoredAlertRule | null> {
    const row = await this.rules.findOneBy({ id, deletedAt: IsNull() });
    return row === null ? null : toRule(row);
  }

  async create(definition: AlertRuleDefinition): Promise<StoredAlertRule> {
    const saved = await this.rules.save(this.rules.create({ ...definition }));
    // Read back: the database fills in the id and times.
    return toRule(await this.rules.findOneByOrFail({ id: saved.id }));
  }

  /** Replaces a rule's definition; null when it does not exist (or is deleted). */
  async update(id: string, definition: AlertRuleDefinition): Promise<StoredAlertRule | null> {
    const result = await this.rules.update({ id, deletedAt: IsNull() }, { ...definition, updatedAt: new Date() });
    if (!result.affected) return null;
    return this.find(id);
  }

  /** Marks a rule deleted; false when it does not exist. Its alarms keep referring to it. */
  async softDelete(id: string): Promise<boolean> {
    const now = new Date();
    const result = await this.rules.update({ id, deletedAt: IsNull() }, { deletedAt: now, updatedAt: now });
    return (result.affected ?? 0) > 0;
  }
}
