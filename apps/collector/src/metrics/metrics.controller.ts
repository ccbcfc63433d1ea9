import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { METRICS } from '../tokens.js';
import type { CollectorMetrics } from './collector-metrics.js';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: CollectorMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
