import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';

/** What HTTPS serving and client certificate checks need, read once at startup. */
export interface TlsMaterial {
  /** Server options for node:https; undefined when Tollgate serves plain HTTP (behind a proxy, say). */
  readonly server: { readonly cert: Buffer; readonly key: Buffer; readonly ca?: Buffer } | undefined;
  /** TLS_CLIENT_CA_FILE's certificates; empty when unset. */
  readonly clientCas: readonly X509Certificate[];
}

function readFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(variable, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function parseCertificates(variable: string, pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('utf8').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new ConfigError(variable, 'holds no PEM certificate');
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    throw new ConfigError(variable, `holds a certificate that cannot be parsed: ${(error as Error).message}`);
  }
}

/** Reads TLS_CERT_FILE, TLS_KEY_FILE and TLS_CLIENT_CA_FILE; a file that is missing or unusable stops startup. */
export function loadTlsMaterial(config: Config): TlsMaterial {
  const { serve, clientCaFile } = config.mtls;
  const ca = clientCaFile === undefined ? undefined : readFile('TLS_CLIENT_CA_FILE', clientCaFile);
  const clientCas = ca ? parseCertificates('TLS_CLIENT_CA_FILE', ca) : [];
  if (!serve) return { server: undefined, clientCas };
  const cert = readFile('TLS_CERT_FILE', serve.certFile);
  parseCertificates('TLS_CERT_FILE', cert);
  return { server: { cert, key: readFile('TLS_KEY_FILE', serve.keyFile), ...(ca ? { ca } : {}) }, clientCas };
}
