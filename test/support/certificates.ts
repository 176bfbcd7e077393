import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from './server.js';

/** A PEM certificate and its private key, as files (for TLS_* variables) and as text (for TLS clients). */
export interface Credential {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
  /** RFC 8705 x5t#S256: base64url SHA-256 of the DER certificate. */
  readonly thumbprint: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

/**
 * Certificates made with openssl for one test file: P-256 keys, one day of validity. `subject` is an
 * OpenSSL subject such as `/CN=soar/O=Example`; `extensions` lines go into an X.509 v3 section.
 */
export class CertificateFactory {
  private readonly dir = temporaryDirectory('certs');
  private serial = 0;

  private paths(name: string) {
    return {
      cert: join(this.dir, `${name}.crt`),
      key: join(this.dir, `${name}.key`),
      ext: join(this.dir, `${name}.ext`),
    };
  }

  private load(name: string): Credential {
    const { cert, key } = this.paths(name);
    const pem = readFileSync(cert, 'utf8');
    const thumbprint = createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
    return { certFile: cert, keyFile: key, cert: pem, key: readFileSync(key, 'utf8'), thumbprint };
  }

  /** A self-signed certificate: a CA (with `ca`), or a client's own (self_signed_tls_client_auth). */
  selfSigned(name: string, subject: string, options: { ca?: boolean; extensions?: string[] } = {}): Credential {
    const { cert, key, ext } = this.paths(name);
    const basics = options.ca
      ? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']
      : ['basicConstraints=CA:FALSE'];
    const config = ['[req]', 'distinguished_name=dn', 'x509_extensions=v3', '[dn]', '[v3]', ...basics];
    writeFileSync(ext, [...config, ...(options.extensions ?? [])].join('\n'));
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    openssl(['req', '-new', '-x509', '-key', key, '-out', cert, '-days', '1', '-subj', subject, '-config', ext]);
    return this.load(name);
  }

  /** A certificate issued by `issuer`, with `extensions` such as `subjectAltName=DNS:soar.example`. */
  issued(name: string, subject: string, issuer: Credential, extensions: string[] = []): Credential {
    const { cert, key, ext } = this.paths(name);
    const csr = join(this.dir, `${name}.csr`);
    writeFileSync(ext, ['[v3]', 'basicConstraints=CA:FALSE', ...extensions].join('\n'));
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    openssl(['req', '-new', '-key', key, '-out', csr, '-subj', subject]);
    this.serial += 1;
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      issuer.certFile,
      '-CAkey',
      issuer.keyFile,
      '-set_serial',
      String(this.serial),
      '-out',
      cert,
      '-days',
      '1',
      '-extfile',
      ext,
      '-extensions',
      'v3',
    ]);
    return this.load(name);
  }
}
