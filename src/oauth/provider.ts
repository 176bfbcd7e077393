import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Adapter, ExternalSigningKey, Provider } from 'oidc-provider';
import providerRequestContext from 'oidc-provider/lib/helpers/als.js';
import { ASSERTION_ALGORITHMS } from '../client-auth/assertion.js';
import type { ProxyTrust } from '../config/proxy-trust.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { SigningKey } from '../keys/types.js';
import { OAUTH_PATHS } from '../x/oauth-paths.js';
import { DPOP_SIGNING_ALGORITHMS } from './dpop-proof.js';

export interface ProviderOptions {
  readonly issuer: string;
  readonly proxyTrust: ProxyTrust;
  /** How long resource servers may cache the JWKS. */
  readonly jwksMaxAgeSeconds: number;
  /** Whether client certificates reach us (HTTPS serving, or a proxy trusted to forward them). */
  readonly mtls: boolean;
  /** Every scope some role grants, for `scopes_supported`. */
  readonly scopesSupported: () => Promise<string[]>;
}

/**
 * Hands oidc-provider the public half of a key only. It publishes the JWKS and never signs anything
 * here (tokens are signed by the token endpoint), so the private keys stay out of its reach.
 */
class PublishedKey extends ExternalSigningKey {
  readonly #key: SigningKey;

  constructor(key: SigningKey) {
    super();
    this.#key = key;
  }

  override get kid(): string {
    return this.#key.kid;
  }

  override get alg(): string {
    return this.#key.alg;
  }

  override keyObject(): KeyObject {
    return this.#key.publicKey;
  }

  override sign(): never {
    throw new Error('published keys do not sign');
  }
}

/**
 * oidc-provider persists nothing for this server (no authorization flows, no opaque tokens): this
 * adapter says so explicitly, instead of its development in-memory adapter.
 */
class StatelessAdapter implements Adapter {
  async upsert(): Promise<void> {}
  async find(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

/** Authorization-flow fields oidc-provider always advertises, which this server does not support. */
const UNSUPPORTED_DISCOVERY_FIELDS = [
  'authorization_endpoint',
  'authorization_response_iss_parameter_supported',
  'claims_parameter_supported',
  'code_challenge_methods_supported',
  'request_uri_parameter_supported',
  'response_modes_supported',
];

/**
 * RFC 8705 §5: where a client sends mTLS requests. Client certificates are requested on the same port
 * as everything else, so the aliases are the endpoints themselves.
 */
function mtlsDiscovery(endpoints: Record<string, string>): Record<string, unknown> {
  return { tls_client_certificate_bound_access_tokens: true, mtls_endpoint_aliases: endpoints };
}

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

function discoveryOverrides(options: ProviderOptions, scopes: string[]): Record<string, unknown> {
  const endpoints = {
    token_endpoint: `${options.issuer}${OAUTH_PATHS.token}`,
    introspection_endpoint: `${options.issuer}${OAUTH_PATHS.introspection}`,
    revocation_endpoint: `${options.issuer}${OAUTH_PATHS.revocation}`,
  };
  const authMethods = [...AUTH_METHODS, ...(options.mtls ? ['tls_client_auth', 'self_signed_tls_client_auth'] : [])];
  return {
    issuer: options.issuer,
    jwks_uri: `${options.issuer}${OAUTH_PATHS.jwks}`,
    ...endpoints,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    introspection_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    response_types_supported: [],
    scopes_supported: scopes,
    dpop_signing_alg_values_supported: DPOP_SIGNING_ALGORITHMS,
    ...(options.mtls ? mtlsDiscovery(endpoints) : {}),
  };
}

/**
 * Every path oidc-provider answers, exactly as spelled here: the request dispatch (app.ts) hands it
 * nothing else. Its router also matches other spellings (`/TOKEN`, `/token/`) and serves routes of its
 * own (a token endpoint, `/auth`, `/session/end/confirm`), none of which may answer here.
 */
export const PROVIDER_PATHS: ReadonlySet<string> = new Set([
  OAUTH_PATHS.openidConfiguration,
  OAUTH_PATHS.authorizationServerMetadata,
  OAUTH_PATHS.jwks,
]);

/**
 * oidc-provider serves discovery and the JWKS; the token, introspection and revocation endpoints are
 * ours (see README, Architecture). It grants nothing (no grant type is enabled) and refuses every path
 * but PROVIDER_PATHS itself, so even a request that reached it some other way finds no endpoint. Its
 * configuration is fixed at construction, so a key change builds a new Provider: see ProviderSwitch.
 */
export function createProvider(ring: KeyRing, options: ProviderOptions): Provider {
  const provider = new Provider(options.issuer, {
    jwks: { keys: ring.keys.map((key) => new PublishedKey(key)) as never },
    features: {
      devInteractions: { enabled: false },
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
    },
    adapter: StatelessAdapter,
    responseTypes: [],
    scopes: [],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    routes: { token: OAUTH_PATHS.token, jwks: OAUTH_PATHS.jwks },
  });
  provider.proxy = options.proxyTrust.kind !== 'none';
  provider.use(async (ctx, next) => {
    if (!PROVIDER_PATHS.has(ctx.path)) {
      ctx.status = 404;
      return;
    }
    await next();
    if (ctx.oidc?.route === 'discovery' && ctx.status === 200) {
      const body = ctx.body as Record<string, unknown>;
      for (const field of UNSUPPORTED_DISCOVERY_FIELDS) delete body[field];
      Object.assign(body, discoveryOverrides(options, await options.scopesSupported()));
    }
    if (ctx.oidc?.route === 'jwks' && ctx.status === 200) {
      ctx.set('Cache-Control', `public, max-age=${options.jwksMaxAgeSeconds}`);
    }
  });
  return provider;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What oidc-provider's Koa callback is: a handler whose promise settles once the request is done. */
type ProviderHandler = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

/**
 * oidc-provider takes its keys at construction and offers no supported way to change them later. When
 * the key ring changes (a rotation here or on another instance), a new Provider is built beside the old
 * one and this switch swaps the handler in a single assignment: requests already inside the old provider
 * finish there, every later request reaches the new one, and none is dropped. The alternatives were
 * worse: patching a live Provider's keystore depends on its internals, and a restart drops connections.
 * A Provider holds no timers or connections (its adapter is stateless), so the old one is simply
 * garbage once its last request ends; building one takes milliseconds and happens once per key change.
 */
export class ProviderSwitch {
  private handler: ProviderHandler;
  /** Requests inside oidc-provider now; see `handle`. */
  private inside = 0;

  constructor(
    private readonly build: (ring: KeyRing) => Provider,
    ring: KeyRing,
  ) {
    this.handler = build(ring).callback() as ProviderHandler;
  }

  replace(ring: KeyRing): void {
    this.handler = this.build(ring).callback() as ProviderHandler;
  }

  /**
   * oidc-provider runs each request in an AsyncLocalStorage. Once one has run, Node (before 24) keeps
   * promise hooks on for every promise of the process until the storage is disabled: the token
   * endpoint's too, which never enters oidc-provider. A worker that had served the JWKS once spent up to
   * 15 % more CPU per token for it in `npm run bench` (ES256: 349 against 295 µs in one run; within the
   * noise in another; see the README's Benchmark). So the storage is disabled whenever no request is inside oidc-provider; its next request enables it again
   * (AsyncLocalStorage#run does), and a request in flight keeps it on until it is done.
   */
  readonly handle: RequestHandler = (req, res) => {
    this.inside += 1;
    void this.handler(req, res).finally(() => {
      this.inside -= 1;
      if (this.inside === 0) providerRequestContext.disable();
    });
  };
}
