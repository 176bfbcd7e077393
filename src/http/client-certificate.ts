import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ProxyTrust } from '../config/proxy-trust.js';
import { unmapIPv4 } from './client-ip.js';

/** A client certificate the request came with: from the TLS handshake, or forwarded by a trusted proxy. */
export interface ClientCertificate {
  readonly certificate: X509Certificate;
  /** Whether it chains to a CA of TLS_CLIENT_CA_FILE and is within its validity period. */
  readonly trusted: boolean;
  /** RFC 8705 §3.1: base64url SHA-256 of the DER certificate, the `cnf` `x5t#S256` of a bound token. */
  readonly thumbprint: string;
}

export interface ClientCertificateSource {
  readonly clientCas: readonly X509Certificate[];
  /** TRUST_PROXY_CLIENT_CERT: the Client-Cert header is believed from the proxies TRUST_PROXY lists. */
  readonly trustForwarded: boolean;
  readonly proxyTrust: ProxyTrust;
}

/** RFC 9440 §2: the certificate's DER as an HTTP byte sequence, `:base64:`. */
const CLIENT_CERT_HEADER = 'client-cert';
const MAX_HEADER_LENGTH = 16_384;

/** RFC 9440's `:base64 DER:`, or URL-encoded PEM as nginx's `$ssl_client_escaped_cert` sends it. */
function decodeForwarded(value: string): Buffer | null {
  const trimmed = value.trim();
  if (trimmed.length > MAX_HEADER_LENGTH) return null;
  if (trimmed.length > 2 && trimmed.startsWith(':') && trimmed.endsWith(':'))
    return Buffer.from(trimmed.slice(1, -1), 'base64');
  try {
    const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(decodeURIComponent(trimmed));
    return pem ? Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64') : null;
  } catch {
    return null;
  }
}

/** What the TLS stack does for a handshake, for a forwarded certificate: issued and signed by a CA, in date. */
function chainsTo(certificate: X509Certificate, cas: readonly X509Certificate[]): boolean {
  const now = Date.now();
  if (Date.parse(certificate.validFrom) > now || Date.parse(certificate.validTo) < now) return false;
  return cas.some((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey));
}

function described(der: Buffer, trusted: (certificate: X509Certificate) => boolean): ClientCertificate | null {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    return null;
  }
  return {
    certificate,
    trusted: trusted(certificate),
    thumbprint: createHash('sha256').update(certificate.raw).digest('base64url'),
  };
}

/**
 * The request's client certificate, or null. From a trusted proxy only its Client-Cert header counts
 * (the TLS peer is the proxy); from anyone else only the certificate of the TLS handshake, so a forged
 * header is worth nothing. Computed on demand: requests that need no certificate never pay for it.
 */
export function clientCertificate(req: IncomingMessage, source: ClientCertificateSource): ClientCertificate | null {
  const { proxyTrust } = source;
  if (
    source.trustForwarded &&
    proxyTrust.kind === 'networks' &&
    proxyTrust.isProxy(unmapIPv4(req.socket.remoteAddress ?? ''))
  ) {
    const header = req.headers[CLIENT_CERT_HEADER];
    const der = typeof header === 'string' ? decodeForwarded(header) : null;
    return der && described(der, (certificate) => chainsTo(certificate, source.clientCas));
  }
  const socket = req.socket as Partial<TLSSocket>;
  const peerCertificate = socket.encrypted ? socket.getPeerCertificate?.(false) : undefined;
  if (!peerCertificate?.raw) return null;
  // The TLS stack checked the chain against TLS_CLIENT_CA_FILE only (the `ca` option), never the public roots.
  return described(peerCertificate.raw, () => source.clientCas.length > 0 && socket.authorized === true);
}
