import { createHmac, timingSafeEqual } from 'node:crypto';

export type XetScope = 'read' | 'write';

/** What a CAS access token grants (auth.md, "Token Scope"): one repo, one revision, read or write, until `exp`. */
export interface XetGrant {
  repo: string;
  revision: string;
  scope: XetScope;
  user: string;
  /** Unix seconds. */
  exp: number;
}

export type TokenCheck = { ok: true; grant: XetGrant } | { ok: false; status: 401; message: string };

/**
 * CAS tokens are self-contained and HMAC-signed with the data dir's secret (like the LFS upload URLs), so they
 * stay valid across a restart and never name a Hub token. The `xet_` prefix only makes them recognisable.
 */
export class XetTokens {
  constructor(private readonly secret: Buffer) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(`xet-token\n${payload}`).digest('base64url');
  }

  issue(grant: XetGrant): string {
    const payload = Buffer.from(JSON.stringify(grant)).toString('base64url');
    return `xet_${payload}.${this.sign(payload)}`;
  }

  check(authorization: string | undefined): TokenCheck {
    const token = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
    if (!token)
      return {
        ok: false,
        status: 401,
        message: 'A Xet access token is required: get one from xet-read-token or xet-write-token',
      };
    const match = /^xet_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
    const given = Buffer.from(match?.[2] ?? '');
    const expected = Buffer.from(match ? this.sign(match[1]!) : '');
    if (!match || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return {
        ok: false,
        status: 401,
        message: 'Invalid Xet access token: get a new one from xet-read-token or xet-write-token',
      };
    }
    const grant = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as XetGrant;
    if (!(grant.exp * 1000 > Date.now())) {
      return {
        ok: false,
        status: 401,
        message: 'The Xet access token has expired: refresh it through xet-read-token or xet-write-token',
      };
    }
    return { ok: true, grant };
  }
}
