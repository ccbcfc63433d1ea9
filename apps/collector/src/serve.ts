import 'reflect-metadata';
import type { Server as HttpServer } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { createCollectorContext, createLogger } from './collector-context.js';
import { loadConfig } from './config/environment.js';
import { resolveTokens } from './config/tokens.js';

/** `collector serve`: the HTTP API (tus ingest, dumps, health, metrics, OpenAPI). */
export async function serve(): Promise<void> {
  const config = loadConfig();
  const tokens = resolveTokens(config);
  const logger = createLogger(config.logLevel);
  if (tokens.generated) {
    // Printed once, on the start that created them; later starts read the file silently.
    process.stdout.write(
      `kdumpfleet-collector: generated tokens (stored in ${tokens.file}, mode 0600)\n` +
        `  UPLOAD_TOKEN=${tokens.uploadTokens[0]}\n  ADMIN_TOKEN=${tokens.adminToken}\n`,
    );
  }
  const ctx = await createCollectorContext(config, tokens, logger);

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forContext(ctx), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(NestPinoLogger));
  app.disable('x-powered-by');
  // Behind a balancer, req.ip is the client named in X-Forwarded-For by a trusted peer only.
  app.set('trust proxy', config.trustProxy);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('kdumpfleet collector')
      .setDescription('Resumable vmcore ingest (tus 1.0), dump records and downloads')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });

  const finished = await ctx.janitor.finishInterrupted();
  if (finished > 0) logger.info({ finished }, 'finished uploads interrupted by the previous stop');
  await ctx.janitor.sweep();
  ctx.janitor.start(config.uploadCleanupIntervalMs);

  await app.listen(config.port, config.host);
  const http = app.getHttpServer() as HttpServer;
  // A PATCH of many GiB over a slow link is one long request: never cut it by time.
  http.requestTimeout = 0;
  http.headersTimeout = 60_000;
  http.keepAliveTimeout = 65_000;
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { port, host: config.host, dataDir: config.dataDir, storage: config.storage },
    'collector listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'collector stopping');
    const force = setTimeout(() => {
      logger.warn('graceful stop took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    ctx.janitor.stop();
    http.closeIdleConnections();
    void app
      .close()
      .then(() => ctx.db.destroy())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
