import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PlaidApiException } from '../common/plaid-api.exception';
import { PlaidCredentialsGuard } from '../common/plaid-credentials.guard';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from '../common/sandbox-options';
import { renderLinkErrorPage, renderLinkPage } from './link-page';
import { LinkCompleteDto, LinkTokenCreateDto } from './link.dto';
import { LinkCompleteResponse, LinkService } from './link.service';

@Controller()
export class LinkController {
  constructor(
    private readonly link: LinkService,
    @Inject(SANDBOX_OPTIONS) private readonly options: ResolvedSandboxOptions,
  ) {}

  /** POST /link/token/create -> { link_token, expiration, request_id, hosted_link_url? } */
  @Post('link/token/create')
  @HttpCode(200)
  @UseGuards(PlaidCredentialsGuard)
  createLinkToken(@Body() dto: LinkTokenCreateDto, @Req() request: FastifyRequest): Record<string, unknown> {
    const baseUrl = this.options.publicBaseUrl ?? `${request.protocol}://${request.host}`;
    return this.link.createLinkToken(dto, baseUrl);
  }

  /** GET /link?token=... : the hosted Link page (the `link_url` users open). */
  @Get('link')
  page(@Query('token') token: unknown, @Res({ passthrough: true }) reply: FastifyReply): string {
    const nonce = randomBytes(16).toString('base64');
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header(
        'content-security-policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      );
    try {
      if (typeof token !== 'string' || token.length === 0) throw PlaidApiException.invalidLinkToken('link token missing');
      const session = this.link.openSession(token);
      return renderLinkPage({ linkToken: session.linkToken, clientName: session.clientName, nonce, completionRedirectUri: session.completionRedirectUri });
    } catch (error) {
      if (!(error instanceof PlaidApiException)) throw error;
      void reply.status(error.httpStatus);
      return renderLinkErrorPage(error.errorMessage);
    }
  }

  /**
   * POST /sandbox/link/complete { link_token, outcome, institution_id?, error_code?, error_message? }
   * -> { request_id, link_session_id, public_token?, webhook: { delivered, status_code } | null }
   */
  @Post('sandbox/link/complete')
  @HttpCode(200)
  complete(@Body() dto: LinkCompleteDto): Promise<LinkCompleteResponse> {
    return this.link.complete(dto);
  }
}
