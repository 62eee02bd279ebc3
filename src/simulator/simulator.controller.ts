import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { SCENARIO_NAMES, SCENARIOS } from './scenarios.js';
import {
  ActiveScenarioDto,
  InjectScenarioDto,
  ScenarioDto,
  SimulatorStatusDto,
  StartSimulatorDto,
  toActiveScenarioResponse,
  toRunRequest,
  toScenarioResponse,
  toSimulatorStatusResponse,
} from './simulator.dto.js';
import { SimulatorService } from './simulator.service.js';
import { RequireRole } from '../common/auth/access.js';

/** The plant simulator: a stand-in protocol gateway that publishes over MQTT. No auth yet (issue 9). */
@ApiTags('simulator')
@Controller('api/v1/scada/simulator')
export class SimulatorController {
  constructor(private readonly simulator: SimulatorService) {}

  @RequireRole('viewer')
  @Get('status')
  @ApiOperation({ summary: 'Whether the simulator runs, its settings, target and achieved rate, active scenarios' })
  @ApiOkResponse({ type: SimulatorStatusDto })
  status(): SimulatorStatusDto {
    return toSimulatorStatusResponse(this.simulator.status());
  }

  @RequireRole('engineer')
  @Post('start')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start publishing simulated readings; settings left out come from SIMULATOR_* (409 while running)',
  })
  @ApiOkResponse({ type: SimulatorStatusDto, description: 'Started; the status of the new run' })
  @ApiBadRequestResponse({ description: 'A setting out of range, or a rate the unit count cannot reach' })
  @ApiConflictResponse({
    description:
      'Already running (stop it first to change the settings), or an external broker without SIMULATOR_ALLOW_EXTERNAL=true',
  })
  async start(@Body() body: StartSimulatorDto): Promise<SimulatorStatusDto> {
    return toSimulatorStatusResponse(await this.simulator.start(toRunRequest(body)));
  }

  @RequireRole('engineer')
  @Post('stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop publishing (a no-op when stopped); answers with the final figures of the run' })
  @ApiOkResponse({ type: SimulatorStatusDto })
  async stop(): Promise<SimulatorStatusDto> {
    return toSimulatorStatusResponse(await this.simulator.stop());
  }

  @RequireRole('engineer')
  @Post('inject')
  @ApiOperation({ summary: 'Run a fault scenario on a unit for a while; it reverts by itself' })
  @ApiCreatedResponse({ type: ActiveScenarioDto })
  @ApiBadRequestResponse({ description: `Unknown scenario (known: ${SCENARIO_NAMES.join(', ')}) or bad duration` })
  @ApiNotFoundResponse({ description: 'No such unit in the running plant' })
  @ApiConflictResponse({ description: 'The simulator is not running' })
  inject(@Body() body: InjectScenarioDto): ActiveScenarioDto {
    return toActiveScenarioResponse(
      this.simulator.inject({
        scenario: body.scenario,
        unitId: body.unit_id,
        durationS: body.duration_s,
        sensor: body.sensor,
      }),
    );
  }

  @RequireRole('viewer')
  @Get('scenarios')
  @ApiOperation({ summary: 'The scenarios that can be injected, what each does and which alarm it should raise' })
  @ApiOkResponse({ type: [ScenarioDto] })
  scenarios(): ScenarioDto[] {
    return SCENARIO_NAMES.map((name) => toScenarioResponse(SCENARIOS[name]));
  }
}
