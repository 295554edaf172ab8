/**
 * Test certificates, generated at test time with the `openssl` CLI into a private temporary directory.
 *
 * `makeCerts()` is cached per process (every caller in one test worker shares one set) and the directory is
 * removed when the process exits. Keys are EC P-256 (fast to generate). Every certificate is valid for two
 * days except `expiredCert`, whose validity ended on 2020-01-02.
 *
 * | Name              | Signed by | Subject / SAN                                     | Use                          |
 * |-------------------|-----------|---------------------------------------------------|------------------------------|
 * | `ca`              | itself    | CN=mqttx test CA                                  | trust anchor                 |
 * | `serverCert`      | `ca`      | CN=localhost, DNS:localhost, IP:127.0.0.1, IP:::1 | server, serverAuth           |
 * | `clientCert`      | `ca`      | CN=mqttx-client                                   | mutual TLS, clientAuth       |
 * | `expiredCert`     | `ca`      | same SAN as the server, expired                   | CERT_HAS_EXPIRED             |
 * | `otherCa`         | itself    | CN=mqttx other CA                                 | a CA the client does not use |
 * | `otherServerCert` | `otherCa` | same SAN as the server                            | wrong CA                     |
 * | `selfSignedCert`  | itself    | same SAN as the server                            | DEPTH_ZERO_SELF_SIGNED_CERT  |
 *
 * `clientKeyEncrypted` is `clientKey` encrypted (AES-256) with `passphrase`.
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PEM file generated for the tests: its bytes and its path. */
export interface PemFile {
  /** PEM contents. */
  pem: Buffer;
  /** Absolute path of the file holding `pem`. */
  path: string;
}

/** The certificate set returned by {@link makeCerts}. PEM contents as Buffers, paths in `files`. */
export interface TestCerts {
  /** Temporary directory holding every file (removed at process exit). */
  dir: string;
  /** Trust anchor used by the servers of the test suites. */
  ca: Buffer;
  caKey: Buffer;
  /** Server certificate for `localhost`, `127.0.0.1` and `::1`, signed by `ca`. */
  serverCert: Buffer;
  serverKey: Buffer;
  /** Client certificate (CN=mqttx-client, clientAuth) signed by `ca`. */
  clientCert: Buffer;
  clientKey: Buffer;
  /** `clientKey` encrypted with {@link TestCerts.passphrase}. */
  clientKeyEncrypted: Buffer;
  /** Passphrase of `clientKeyEncrypted`. */
  passphrase: string;
  /** Server certificate signed by `ca` whose validity ended on 2020-01-02. */
  expiredCert: Buffer;
  expiredKey: Buffer;
  /** A second, unrelated CA. */
  otherCa: Buffer;
  otherCaKey: Buffer;
  /** Server certificate (same names as `serverCert`) signed by `otherCa`. */
  otherServerCert: Buffer;
  otherServerKey: Buffer;
  /** Self-signed server certificate (same names as `serverCert`). */
  selfSignedCert: Buffer;
  selfSignedKey: Buffer;
  /** Paths of the PEM files above, by the same names. */
  files: Record<CertName, string>;
}

/** Names of the PEM entries of {@link TestCerts}. */
export type CertName =
  | 'ca'
  | 'caKey'
  | 'serverCert'
  | 'serverKey'
  | 'clientCert'
  | 'clientKey'
  | 'clientKeyEncrypted'
  | 'expiredCert'
  | 'expiredKey'
  | 'otherCa'
  | 'otherCaKey'
  | 'otherServerCert'
  | 'otherServerKey'
  | 'selfSignedCert'
  | 'selfSignedKey';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1';

const CA_CNF = `[ca]
default_ca = ca_default
[ca_default]
database = index.txt
new_certs_dir = issued
serial = serial
default_md = sha256
policy = policy_any
copy_extensions = none
unique_subject = no
[policy_any]
commonName = supplied
`;

const SERVER_EXT = `basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
${SAN}
`;

const CLIENT_EXT = `basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
`;

let cached: Promise<TestCerts> | undefined;

/**
 * Generates (once per process) the certificate set described in the module documentation.
 * @returns PEM buffers, the passphrase and the paths of every file
 */
export function makeCerts(): Promise<TestCerts> {
  cached ??= generate();
  return cached;
}

/**
 * Removes `dir` when the process exits, including when it is ended by SIGTERM / SIGINT (vitest stops its
 * fork workers with SIGTERM, which skips 'exit' handlers). The signal is re-raised afterwards when no other
 * listener handles it, so the default action (termination) still happens.
 */
function removeAtExit(dir: string): void {
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', cleanup);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      cleanup();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

async function generate(): Promise<TestCerts> {
  const dir = mkdtempSync(join(tmpdir(), 'mqttx-certs-'));
  removeAtExit(dir);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  writeFileSync(join(dir, 'ca.cnf'), CA_CNF);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'server.ext'), SERVER_EXT);
  writeFileSync(join(dir, 'client.ext'), CLIENT_EXT);
  mkdirSync(join(dir, 'issued'));

  const selfSignedCa = (name: string, cn: string) =>
    openssl('req', '-x509', ...EC, '-keyout', `${name}Key.pem`, '-out', `${name}.pem`, '-days', '2', '-subj',
      `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const request = (name: string, cn: string) =>
    openssl('req', ...EC, '-keyout', `${name}Key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  const sign = (name: string, ca: string, ext: string) =>
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}Key.pem`, '-CAcreateserial',
      '-out', `${name}Cert.pem`, '-days', '2', '-sha256', '-extfile', ext);

  await Promise.all([selfSignedCa('ca', 'mqttx test CA'), selfSignedCa('otherCa', 'mqttx other CA')]);
  await Promise.all([
    request('server', 'localhost'),
    request('client', 'mqttx-client'),
    request('expired', 'localhost'),
    request('otherServer', 'localhost'),
    openssl('req', '-x509', ...EC, '-keyout', 'selfSignedKey.pem', '-out', 'selfSignedCert.pem', '-days', '2',
      '-subj', '/CN=localhost', '-addext', SAN),
  ]);
  // x509 -req with -CAcreateserial writes <ca>.srl: sign with one CA at a time to avoid racing on it.
  await sign('server', 'ca', 'server.ext');
  await sign('client', 'ca', 'client.ext');
  await sign('otherServer', 'otherCa', 'server.ext');
  // OpenSSL 3.0's `x509` cannot set dates in the past; `ca` can (-startdate / -enddate).
  await openssl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'caKey.pem', '-in', 'expired.csr',
    '-out', 'expiredCert.pem', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extfile',
    'server.ext', '-notext');
  const passphrase = 'mqttx-test-passphrase';
  await openssl('pkey', '-in', 'clientKey.pem', '-out', 'clientKeyEncrypted.pem', '-aes256', '-passout',
    `pass:${passphrase}`);

  const files = {
    ca: 'ca.pem',
    caKey: 'caKey.pem',
    serverCert: 'serverCert.pem',
    serverKey: 'serverKey.pem',
    clientCert: 'clientCert.pem',
    clientKey: 'clientKey.pem',
    clientKeyEncrypted: 'clientKeyEncrypted.pem',
    expiredCert: 'expiredCert.pem',
    expiredKey: 'expiredKey.pem',
    otherCa: 'otherCa.pem',
    otherCaKey: 'otherCaKey.pem',
    otherServerCert: 'otherServerCert.pem',
    otherServerKey: 'otherServerKey.pem',
    selfSignedCert: 'selfSignedCert.pem',
    selfSignedKey: 'selfSignedKey.pem',
  } satisfies Record<CertName, string>;
  const paths = {} as Record<CertName, string>;
  const pems = {} as Record<CertName, Buffer>;
  for (const name of Object.keys(files) as CertName[]) {
    paths[name] = join(dir, files[name]);
    pems[name] = readFileSync(paths[name]);
  }
  return { dir, ...pems, passphrase, files: paths };
}
