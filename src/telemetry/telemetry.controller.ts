import { Controller, Get, Logger, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import { RequireRole } from '../common/auth/access.js';
import {
  BucketedHistoryResponseDto,
  HistoryQueryDto,
  type HistoryResponseDto,
  LatestQueryDto,
  LatestResponseDto,
  RawHistoryResponseDto,
} from './dto/history.dto.js';
import { HistoryService } from './history.service.js';

/** Resolves when the response can take more, or is gone; leaves no listener behind either way. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

const HISTORY_RULES =
  'Without `bucket` and `max_points`: raw readings, oldest first, `limit` per page (default 1000, at most 10000), ' +
  'continued with `cursor` = the previous `next_cursor`; at most 31 days per query. With `bucket` (or ' +
  '`max_points`, which picks the smallest nice bucket giving at most that many points): one point per bucket that ' +
  'has readings, with the aggregates of `agg` (default avg,min,max), over whole buckets aligned to ' +
  '2000-01-03T00:00Z; at most 10000 points and 3653 days. TimescaleDB answers wide ranges (6 h and more) whose ' +
  'bucket is a multiple of 1 min or 1 h from the continuous aggregates, with the same results. ' +
  'Unknown unit or sensor: 404.';

@ApiTags('telemetry')
@ApiExtraModels(RawHistoryResponseDto, BucketedHistoryResponseDto)
@Controller('api/v1/scada/telemetry')
export class TelemetryController {
  private readonly logger = new Logger(TelemetryController.name);

  constructor(private readonly history: HistoryService) {}

  @RequireRole('viewer')
  @Get('latest')
  @ApiOperation({
    summary: 'Latest value, quality and time of every sensor of a unit, or of every unit',
    description:
      'Served from memory (kept current by the pipeline, filled from the database at start-up): no database ' +
      'round trip for a unit that has readings. A unit known but without readings has an empty `sensors` list.',
  })
  @ApiOkResponse({ type: LatestResponseDto })
  @ApiBadRequestResponse({ description: 'Malformed unit id' })
  @ApiNotFoundResponse({ description: "Unknown unit (`Unknown unit 'UNIT009'`)" })
  latest(@Query() query: LatestQueryDto): Promise<LatestResponseDto> {
    return this.history.latest(query.unit_id);
  }

  @RequireRole('viewer')
  @Get('history')
  @ApiOperation({
    summary: 'Stored readings of one sensor over a time range: raw pages or bucketed aggregates',
    description: HISTORY_RULES,
  })
  @ApiOkResponse({
    schema: {
      oneOf: [{ $ref: getSchemaPath(RawHistoryResponseDto) }, { $ref: getSchemaPath(BucketedHistoryResponseDto) }],
    },
    description: 'Raw (`bucket`: null, with `next_cursor`) or bucketed (`bucket`, `bucket_seconds`)',
  })
  @ApiBadRequestResponse({
    description: 'The message says what is wrong: from not before to, range or limit too large, unknown aggregate, …',
  })
  @ApiNotFoundResponse({ description: "`Unknown unit 'UNIT009'`, or `Unit 'UNIT001' has no sensor 'humidity'`" })
  historyJson(@Query() query: HistoryQueryDto): Promise<HistoryResponseDto> {
    return this.history.history(query);
  }

  @RequireRole('viewer')
  @Get('history.csv')
  @ApiOperation({
    summary: 'The same history as CSV, streamed',
    description:
      'Same parameters and checks as /history. Raw: header `time,value,quality`, then every reading of the range ' +
      '(walked in pages of 5000 by the server; `limit` caps the rows when given, `cursor` starts after it). ' +
      'Bucketed: header `time,<aggregates>`, one row per bucket.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'text/csv, UTF-8, with a header row', schema: { type: 'string' } })
  @ApiBadRequestResponse({ description: 'As /history' })
  @ApiNotFoundResponse({ description: 'As /history' })
  async historyCsv(@Query() query: HistoryQueryDto, @Res() res: ServerResponse): Promise<void> {
    // Checks and the sensor lookup happen here, before the status line: errors still get a JSON 400/404.
    const csv = await this.history.csv(query);
    res.statusCode = 200;
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${csv.filename}"`);
    try {
      for await (const chunk of csv.lines) {
        if (res.destroyed) return;
        // Respect backpressure: a slow client holds the next page query, not the server's memory.
        if (!res.write(chunk)) await drainedOrClosed(res);
      }
      res.end();
    } catch (err) {
      // Headers are gone; all that is left is to cut the stream so the client sees a truncated download.
      this.logger.error(`CSV export failed: ${err instanceof Error ? err.message : String(err)}`);
      res.destroy(err instanceof Error ? err : undefined);
    }
  }
}
