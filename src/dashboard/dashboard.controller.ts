import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PublicAccess } from '../common/auth/access.js';
import { readDashboardPage } from './dashboard-assets.js';

/**
 * The operator dashboard's page at `/`. Public like the rest of its static files: it holds no data; every call it
 * makes to the API carries the user's credentials (or none, when authentication is off).
 */
@ApiExcludeController()
@PublicAccess('dashboard static files')
@Controller()
export class DashboardController {
  private readonly page = readDashboardPage();

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  // The page names its scripts without a version: never keep an old page across a rebuild.
  @Header('cache-control', 'no-cache')
  index(): string {
    if (this.page === undefined) {
      throw new NotFoundException('Dashboard not built: run `npm run build` (nest build alone skips it)');
    }
    return this.page;
  }
}
