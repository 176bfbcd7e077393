import { createPublicKey, type KeyObject } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { CachedClient } from '../clients/lookup.js';
import type { TlsClientAuthField } from '../clients/schemas.js';
import type { ClientCertificate } from '../http/client-certificate.js';
import { camelCase } from '../x/case.js';
import type { ClientAuthMethod, Evidence, Presentation, Refusal, RequestFacts } from './types.js';

const refused = (reason: string): Refusal => ({ refused: reason, details: null });
const NO_CERTIFICATE = refused('client_certificate_missing');
const UNTRUSTED = 'client_certificate_untrusted';
const MISMATCH = 'client_certificate_mismatch';

/** RFC 4514 attributes as a set of "type=value" with the type in upper case: order and spacing do not matter. */
function distinguishedName(attributes: readonly string[]): Set<string> {
  return new Set(
    attributes
      .map((attribute) => attribute.trim())
      .filter(Boolean)
      .map((attribute) => {
        const separator = attribute.indexOf('=');
        return `${attribute.slice(0, separator).trim().toUpperCase()}=${attribute.slice(separator + 1).trim()}`;
      }),
  );
}

function sameDistinguishedName(registered: string, certificateSubject: string): boolean {
  const expected = distinguishedName(registered.split(/(?<!\\),/).map((part) => part.replace(/\\,/g, ',')));
  const actual = distinguishedName(certificateSubject.split('\n'));
  return expected.size === actual.size && [...expected].every((attribute) => actual.has(attribute));
}

/** The certificate's SANs of one kind, as node:crypto lists them ("DNS:a, IP Address:10.0.0.1, ..."). */
function subjectAltNames(certificate: ClientCertificate, prefix: string): string[] {
  return (certificate.certificate.subjectAltName ?? '')
    .split(', ')
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length));
}

function sameIp(a: string, b: string): boolean {
  return ipaddr.isValid(a) && ipaddr.isValid(b) && ipaddr.process(a).toString() === ipaddr.process(b).toString();
}

/** RFC 8705 §2.1.2: the one field the client registered, against the certificate. */
const MATCHERS: Record<TlsClientAuthField, (expected: string, certificate: ClientCertificate) => boolean> = {
  tls_client_auth_subject_dn: (expected, certificate) =>
    sameDistinguishedName(expected, certificate.certificate.subject),
  tls_client_auth_san_dns: (expected, certificate) =>
    subjectAltNames(certificate, 'DNS:').some((name) => name.toLowerCase() === expected.toLowerCase()),
  tls_client_auth_san_uri: (expected, certificate) => subjectAltNames(certificate, 'URI:').includes(expected),
  tls_client_auth_san_ip: (expected, certificate) =>
    subjectAltNames(certificate, 'IP Address:').some((name) => sameIp(name, expected)),
  tls_client_auth_san_email: (expected, certificate) =>
    subjectAltNames(certificate, 'email:').some((name) => name.toLowerCase() === expected.toLowerCase()),
};

function chainedCertificateMatches(client: CachedClient, certificate: ClientCertificate): boolean {
  return Object.entries(MATCHERS).some(([field, matches]) => {
    const expected = client.record[camelCase(field as TlsClientAuthField)];
    return expected !== null && matches(expected, certificate);
  });
}

function publicKeyOf(jwk: Record<string, unknown>): KeyObject | null {
  try {
    return createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch {
    return null;
  }
}

function selfSignedCertificateMatches(client: CachedClient, certificate: ClientCertificate): boolean {
  const presented = certificate.certificate.publicKey;
  return (client.record.jwks?.keys ?? []).some((jwk) => publicKeyOf(jwk)?.equals(presented) ?? false);
}

/**
 * RFC 8705 §2: `tls_client_auth` and `self_signed_tls_client_auth` in one module, because on the wire
 * they are the same (a client_id and nothing else in the form, the client certificate in the TLS
 * handshake): the client's registration says which applies. Without a certificate both fail closed.
 */
export const mutualTls: ClientAuthMethod = {
  name: 'tls_client_auth',
  accepts: (client) =>
    client.record.tokenEndpointAuthMethod === 'tls_client_auth' ||
    client.record.tokenEndpointAuthMethod === 'self_signed_tls_client_auth',
  presents: (facts) =>
    facts.authorization === undefined &&
    facts.params.has('client_id') &&
    !facts.params.has('client_secret') &&
    !facts.params.has('client_assertion') &&
    !facts.params.has('client_assertion_type'),
  read: (facts: RequestFacts): Presentation => ({ clientId: facts.params.get('client_id')!, credential: '' }),
  verify(_presentation, client, facts): Evidence | Refusal {
    const certificate = facts.clientCertificate;
    if (!certificate) return NO_CERTIFICATE;
    const details = { 'x5t#S256': certificate.thumbprint };
    if (client.record.tokenEndpointAuthMethod === 'self_signed_tls_client_auth')
      return selfSignedCertificateMatches(client, certificate)
        ? { method: 'self_signed_tls_client_auth', details }
        : { refused: MISMATCH, details };
    if (!certificate.trusted) return { refused: UNTRUSTED, details };
    return chainedCertificateMatches(client, certificate)
      ? { method: 'tls_client_auth', details }
      : { refused: MISMATCH, details };
  },
};
