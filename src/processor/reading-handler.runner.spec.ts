import { Global, Injectable, Module, Scope } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { BusModule } from '../common/bus/bus.module.js';
import { EventBus } from '../common/bus/event-bus.js';
import type { ProcessedReading, RawReading } from '../common/bus/event-map.js';
import { ReadingProcessorService } from './reading-processor.service.js';
import { FeatureModule } from '../common/feature/feature.module.js';
import { PipelineStats } from '../pipeline/pipeline-stats.js';
import { PipelineStatsModule } from '../pipeline/pipeline-stats.module.js';
import { AppConfig } from '../config/app-config.js';
import { type ReadingHandler, ReadingHandlerProvider } from './reading-handler.js';
import { ReadingHandlerRunner } from './reading-handler.runner.js';
import { ProcessorModule } from './processor.module.js';
import { SensorSettingsCache } from './sensor-settings.cache.js';

/** A test-only handler, registered exactly as a deployment would register its own. */
@Injectable()
@ReadingHandlerProvider()
class RecordingHandler implements ReadingHandler {
  readonly name: string = 'recorder';
  readonly batches: (readonly ProcessedReading[])[] = [];
  handle(batch: readonly ProcessedReading[]): void {
    this.batches.push(batch);
  }
}

@Injectable()
@ReadingHandlerProvider()
class ThrowingHandler implements ReadingHandler {
  readonly name = 'thrower';
  handle(): void {
    throw new Error('boom');
  }
}

@Injectable()
@ReadingHandlerProvider()
class RejectingHandler implements ReadingHandler {
  readonly name = 'rejecter';
  async handle(): Promise<void> {
    await Promise.resolve();
    throw new Error('later');
  }
}

@Global()
@Module({ providers: [{ provide: AppConfig, useValue: new AppConfig({}) }], exports: [AppConfig] })
class TestConfigModule {}

/** The processor as the application assembles it, with extra providers; no database or broker involved. */
async function processorWith(...providers: (new (...args: never[]) => unknown)[]): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [TestConfigModule, BusModule, FeatureModule, PipelineStatsModule, ProcessorModule],
    providers,
  }).compile();
  moduleRef.useLogger(false); // the failure log lines are expected here
  await moduleRef.init();
  return moduleRef;
}

/** The normaliser and broadcast stages of the pipeline, as src/pipeline/reading-pipeline.service.ts runs them. */
function receive(moduleRef: TestingModule, readings: RawReading[]): void {
  moduleRef.get(EventBus).emit('readings.processed', moduleRef.get(ReadingProcessorService).process({ readings }));
}

const raw = (unitId: string, sensorType: string, value: number): RawReading => ({
  unitId,
  sensorType,
  value,
  receivedAt: Date.now(),
  source: 'mqtt',
});

describe('custom reading handlers', () => {
  it('hands every processed batch, scaled and quality-assessed, to each registered handler', async () => {
    const moduleRef = await processorWith(RecordingHandler);
    moduleRef
      .get(SensorSettingsCache)
      .put('UNIT001', 'temperature', { scaleFactor: 0.1, offset: -273.15, validMin: -50, validMax: 150 }, 1);

    receive(moduleRef, [raw('UNIT001', 'temperature', 2981.5), raw('UNIT001', 'level', 3)]);
    receive(moduleRef, [raw('UNIT001', 'temperature', 5000)]);

    const { batches } = moduleRef.get(RecordingHandler);
    expect(batches).toHaveLength(2);
    expect(batches[0]).toEqual([
      expect.objectContaining({ unitId: 'UNIT001', sensorType: 'temperature', quality: 'GOOD' }),
      expect.objectContaining({ unitId: 'UNIT001', sensorType: 'level', value: 3, quality: 'GOOD' }),
    ]);
    expect(batches[0][0].value).toBeCloseTo(25, 10);
    expect(batches[1]).toEqual([expect.objectContaining({ quality: 'BAD' })]);
    expect(batches[1][0].value).toBeCloseTo(226.85, 10);
    expect(moduleRef.get(ReadingHandlerRunner).count).toBe(1);
    await moduleRef.close();
  });

  it('is not called for a batch whose readings were all rejected', async () => {
    const moduleRef = await processorWith(RecordingHandler);
    receive(moduleRef, [{ ...raw('UNIT001', 'temperature', 1), quality: 'EXCELLENT' }]);
    expect(moduleRef.get(RecordingHandler).batches).toEqual([]);
    await moduleRef.close();
  });

  it('counts failing handlers by name while the others and the rest of the pipeline carry on', async () => {
    const moduleRef = await processorWith(ThrowingHandler, RejectingHandler, RecordingHandler);
    const bus = moduleRef.get(EventBus);
    const downstream: number[] = [];
    bus.on('readings.processed', 'storage stand-in', (batch) => void downstream.push(batch.readings.length));

    receive(moduleRef, [raw('UNIT001', 'temperature', 20)]);
    receive(moduleRef, [raw('UNIT001', 'temperature', 21), raw('UNIT002', 'flow', 2)]);
    await new Promise((resolve) => setImmediate(resolve));

    expect(moduleRef.get(RecordingHandler).batches.map((b) => b.length)).toEqual([1, 2]);
    expect(downstream).toEqual([1, 2]);
    expect(moduleRef.get(PipelineStats).snapshot().handler_errors).toEqual({ thrower: 2, rejecter: 2 });
    expect(moduleRef.get(ReadingHandlerRunner).names).toEqual(['thrower', 'rejecter', 'recorder']);
    // A failing handler is not a pipeline listener failure: the bus saw none.
    expect(bus.errorCounts()).toEqual({});
    await moduleRef.close();
  });

  it('counts no handlers when none is registered', async () => {
    const moduleRef = await processorWith();
    expect(moduleRef.get(ReadingHandlerRunner).count).toBe(0);
    await moduleRef.close();
  });

  describe('refuses to start with a handler that could never run properly', () => {
    @Injectable()
    @ReadingHandlerProvider()
    class SecondRecorder extends RecordingHandler {}

    @Injectable({ scope: Scope.REQUEST })
    @ReadingHandlerProvider()
    class RequestScoped extends RecordingHandler {
      override readonly name = 'per-request';
    }

    @Injectable()
    @ReadingHandlerProvider()
    class Nameless {
      handle(): void {}
    }

    it.each([
      ['two handlers with one name', [RecordingHandler, SecondRecorder], "Two reading handlers are named 'recorder'"],
      ['a request-scoped handler', [RequestScoped], 'must be a singleton provider'],
      ['a handler without a name', [Nameless], 'must have a non-empty name and a handle(batch) method'],
    ])('%s', async (_what, providers, message) => {
      await expect(processorWith(...providers)).rejects.toThrow(message);
    });
  });
});
