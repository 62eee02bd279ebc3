import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';

/** The operator dashboard: a static single-page app (dashboard/ in the repository) served at `/`. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
