import { Global, Module } from '@nestjs/common';
import { FeatureRegistry } from './feature.registry.js';

/** The one FeatureRegistry, for every module to register its health indicator and metrics with. */
@Global()
@Module({ providers: [FeatureRegistry], exports: [FeatureRegistry] })
export class FeatureModule {}
