import { type DynamicModule, Module } from '@nestjs/common';
import { AlertsModule } from './alerts/alerts.module.js';
import { APP_FEATURES } from './app.features.js';
import { CommandsModule } from './commands/commands.module.js';
import { AuthModule } from './common/auth/auth.module.js';
import { BusModule } from './common/bus/bus.module.js';
import { FeatureModule } from './common/feature/feature.module.js';
import { DatabaseModule } from './common/database/database.module.js';
import { LifecycleModule } from './common/lifecycle/shutdown-state.js';
import { LoggingModule } from './common/logging/logging.module.js';
import { SchedulingModule } from './common/scheduling/periodic-jobs.js';
import { AppConfigModule } from './config/app-config.module.js';
import type { RuntimeInfo } from './config/runtime.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DevicesModule } from './devices/devices.module.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { HealthModule } from './health/health.module.js';
import { ModbusModule } from './modbus/modbus.module.js';
import { MqttModule } from './mqtt/mqtt.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { OpcuaModule } from './opcua/opcua.module.js';
import { PipelineModule } from './pipeline/pipeline.module.js';
import { PipelineStatsModule } from './pipeline/pipeline-stats.module.js';
import { ProcessorModule } from './processor/processor.module.js';
import { ShutdownModule } from './shutdown/shutdown.module.js';
import { SimulatorModule } from './simulator/simulator.module.js';
import { SparkplugModule } from './sparkplug/sparkplug.module.js';
import { TelemetryModule } from './telemetry/telemetry.module.js';

/**
 * The whole backend. Modules talk through the event bus: mqtt → readings.received → pipeline/ (processor's
 * normaliser, then telemetry's writer, which alone holds the ack until the commit) → readings.processed (no ack) →
 * latest values, gateway (Socket.IO), alerts (rules → alarm.transitioned → gateway's system_alert) and custom
 * handlers. opcua/ turns monitored item data changes, and modbus/ the results of its polls, into the same
 * readings.received batches.
 * simulator/ publishes over MQTT like a real gateway, so its readings take the same path (and can serve its units
 * over OPC UA).
 */
@Module({})
export class AppModule {
  /** `config` is the validated @nestjs/config module (loadAppConfig). */
  static forRoot(config: DynamicModule, runtime: RuntimeInfo): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config, runtime),
        LoggingModule,
        SchedulingModule,
        BusModule,
        FeatureModule,
        PipelineStatsModule,
        LifecycleModule,
        DatabaseModule.forRoot(APP_FEATURES),
        AuthModule,
        DevicesModule,
        TelemetryModule,
        ProcessorModule,
        PipelineModule,
        GatewayModule,
        AlertsModule,
        NotificationsModule,
        MqttModule,
        CommandsModule,
        OpcuaModule,
        SparkplugModule,
        ModbusModule,
        SimulatorModule,
        HealthModule,
        ShutdownModule,
        DashboardModule,
      ],
    };
  }
}
