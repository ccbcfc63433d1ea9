import { All, Controller, Inject, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Server } from '@tus/server';
import type { Request, Response } from 'express';
import { UploaderGuard } from '../auth/guards.js';
import { TUS_SERVER } from '../tokens.js';
import { sendWebResponse, toWebRequest } from './web-request.js';

/**
 * Hands the raw request to the tus server (through web-request.ts, which reads the body faster
 * than @tus/server's own Node adapter). The app runs without body parsers, so the PATCH body
 * stream reaches the tus data store untouched.
 */
@ApiTags('uploads')
@ApiBearerAuth()
@Controller('api/v1/uploads')
@UseGuards(UploaderGuard)
export class UploadsController {
  constructor(@Inject(TUS_SERVER) private readonly tus: Server) {}

  @All()
  @ApiOperation({
    summary: 'tus 1.0 creation (POST, with or without body) and discovery (OPTIONS)',
    description:
      'Upload-Metadata keys: filename, node, sha256 (hex of the uploaded bytes), encoding ' +
      '(none|zstd), optional kernel_release, captured_at (ISO-8601). Upload-Length above ' +
      'MAX_DUMP_SIZE → 413. See https://tus.io/protocols/resumable-upload',
  })
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.pass(req, res);
  }

  @All(':uploadId')
  @ApiExcludeEndpoint()
  async upload(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.pass(req, res);
  }

  private async pass(req: Request, res: Response): Promise<void> {
    await sendWebResponse(res, await this.tus.handleWeb(toWebRequest(req, res)));
  }
}
