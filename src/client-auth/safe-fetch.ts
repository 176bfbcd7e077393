import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicUnicast } from '../x/ip-ranges.js';

/** Why a fetch was refused or failed; the audit trail records it beside the refusal. */
export type FetchFailure =
  | 'not_https'
  | 'refused_address'
  | 'unresolvable'
  | 'timeout'
  | 'redirect'
  | 'http_status'
  | 'too_large'
  | 'not_json'
  | 'unreachable';

export class FetchRefusedError extends Error {
  constructor(
    readonly failure: FetchFailure,
    message: string,
  ) {
    super(message);
    this.name = 'FetchRefusedError';
  }
}

export interface FetchedJson {
  readonly body: unknown;
  /** `Cache-Control: max-age` in seconds, when the answer had one (and not no-store / no-cache). */
  readonly maxAgeSeconds: number | null;
}

export interface SafeFetchOptions {
  /** Hosts (`host` or `host:port`) that may be fetched over http and at non-public addresses. */
  readonly allowedHosts: readonly string[];
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 3_000;
const DEFAULT_MAX_BYTES = 64 * 1024;

function maxAgeOf(cacheControl: string | undefined): number | null {
  if (!cacheControl) return null;
  const directives = cacheControl.toLowerCase();
  if (/\b(no-store|no-cache)\b/.test(directives)) return 0;
  const match = /\bmax-age\s*=\s*"?(\d{1,10})"?/.exec(directives);
  return match ? Number(match[1]) : null;
}

/**
 * Resolves like dns.lookup, then refuses unless every address is public unicast: the address checked is
 * the one connected to (no second resolution an attacker's DNS could answer differently).
 */
function publicOnlyLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find(({ address }) => !isPublicUnicast(address));
      if (refused || addresses.length === 0)
        return callback(
          new FetchRefusedError(
            'refused_address',
            `${hostname} resolves to a refused address`,
          ) as NodeJS.ErrnoException,
          '',
          0,
        );
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * GETs a JSON document from a URL an administrator typed (a client's jwks_uri, a federated issuer's
 * discovery document or keys): a server-side request, so it is fenced. https only; no redirects; a short
 * overall timeout; a size limit; loopback, private, link-local (cloud metadata), CGNAT, unique-local and
 * other non-public addresses refused after DNS resolution, at connection time. Hosts listed in
 * CLIENT_KEYS_ALLOWED_HOSTS are exempt from the scheme and address rules (development, tests), never
 * from the others.
 */
export class SafeFetcher {
  private readonly allowedHosts: ReadonlySet<string>;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly lookup = publicOnlyLookup();

  constructor(options: SafeFetchOptions) {
    this.allowedHosts = new Set(options.allowedHosts);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  async json(location: string): Promise<FetchedJson> {
    const url = new URL(location);
    const allowed = this.allowedHosts.has(url.host.toLowerCase()) || this.allowedHosts.has(url.hostname.toLowerCase());
    if (!allowed) {
      if (url.protocol !== 'https:') throw new FetchRefusedError('not_https', 'only https URLs are fetched');
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(literal) && !isPublicUnicast(literal))
        throw new FetchRefusedError('refused_address', `${literal} is not a public address`);
    } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new FetchRefusedError('not_https', 'only http(s) URLs are fetched');
    }
    const response = await this.get(url, allowed);
    return { body: response.body, maxAgeSeconds: response.maxAgeSeconds };
  }

  private get(url: URL, allowed: boolean): Promise<FetchedJson> {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'GET',
          headers: { accept: 'application/json, application/jwk-set+json', 'user-agent': 'tollgate' },
          ...(allowed ? {} : { lookup: this.lookup }),
          signal: AbortSignal.timeout(this.timeoutMs),
        },
        (res) => this.read(res).then(resolve, reject),
      );
      req.on('error', (error: Error) => reject(classify(error)));
      req.end();
    });
  }

  private async read(res: IncomingMessage): Promise<FetchedJson> {
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      res.destroy();
      throw new FetchRefusedError('redirect', `answered ${status}: redirects are not followed`);
    }
    if (status !== 200) {
      res.destroy();
      throw new FetchRefusedError('http_status', `answered ${status}`);
    }
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > this.maxBytes) {
      res.destroy();
      throw new FetchRefusedError('too_large', `larger than ${this.maxBytes} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res) {
        size += (chunk as Buffer).length;
        if (size > this.maxBytes) {
          res.destroy();
          throw new FetchRefusedError('too_large', `larger than ${this.maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      throw classify(error);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new FetchRefusedError('not_json', 'the answer is not JSON');
    }
    return { body, maxAgeSeconds: maxAgeOf(res.headers['cache-control']) };
  }
}

function classify(error: unknown): FetchRefusedError {
  if (error instanceof FetchRefusedError) return error;
  const { name, code, cause } = error as { name?: string; code?: string; cause?: unknown };
  if (cause instanceof FetchRefusedError) return cause;
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'ABORT_ERR')
    return new FetchRefusedError('timeout', 'did not answer in time');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new FetchRefusedError('unresolvable', 'the host does not resolve');
  return new FetchRefusedError('unreachable', `could not be fetched (${code ?? name ?? 'error'})`);
}
