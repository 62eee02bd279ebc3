import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AlertsModule } from './alerts/alerts.module.js';
import { AuthModule } from './common/auth/auth.module.js';
import { BusModule } from './common/bus/bus.module.js';
import { DatabaseModule } from './common/database/database.module.js';
import { MetricsModule } from './common/metrics/pipeline-stats.js';
import { AppConfig } from './config/app-config.js';
import { RUNTIME_INFO, type RuntimeInfo } from './config/runtime.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DevicesModule } from './devices/devices.module.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { HealthModule } from './health/health.module.js';
import { MqttModule } from './mqtt/mqtt.module.js';
import { OpcuaModule } from './opcua/opcua.module.js';
import { ProcessorModule } from './processor/processor.module.js';
import { SimulatorModule } from './simulator/simulator.module.js';
import { TelemetryModule } from './telemetry/telemetry.module.js';

/** Configuration and runtime facts, available everywhere. */
@Global()
@Module({})
class ConfigModule {
  static forRoot(config: AppConfig, runtime: RuntimeInfo): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: RUNTIME_INFO, useValue: runtime },
      ],
      exports: [AppConfig, RUNTIME_INFO],
    };
  }
}

/**
 * The whole backend. Modules talk through the event bus: mqtt → readings.received → processor →
 * readings.processed → telemetry (storage), gateway (Socket.IO) and alerts (rules → alarm.transitioned →
 * gateway's system_alert). opcua/ turns monitored item data changes into the same readings.received batches.
 * simulator/ publishes over MQTT like a real gateway, so its readings take the same path (and can serve its units
 * over OPC UA).
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, runtime: RuntimeInfo): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, runtime),
        BusModule,
        MetricsModule,
        DatabaseModule,
        AuthModule,
        DevicesModule,
        TelemetryModule,
        ProcessorModule,
        GatewayModule,
        AlertsModule,
        MqttModule,
        OpcuaModule,
        SimulatorModule,
        HealthModule,
        DashboardModule,
      ],
    };
  }
}
