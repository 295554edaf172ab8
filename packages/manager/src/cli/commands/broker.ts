/**
 * `mqttx broker`: the testkit broker standalone, for development. Prints the bound address(es), optionally
 * logs every packet, and stops gracefully (exit 0) on SIGINT / SIGTERM.
 * @module
 */
import type { BrokerTlsOptions } from '@mqttx/testkit';
import { parseCommandArgs, parseIntFlag } from '../args.js';
import { whenAborted, type CliContext } from '../context.js';
import { EXIT, usageError, type ExitCode } from '../errors.js';
import { readFlagFile } from '../files.js';
import { formatPacketRecord } from '../render/packet-log.js';
import { BROKER_OPTIONS } from './options.js';

const OPTIONS = BROKER_OPTIONS;

/** Validated settings of `mqttx broker`. */
export interface BrokerSettings {
  /** Listen address. */
  host: string;
  /** TCP port (0: any free port). */
  port: number;
  /** TLS listener (paths resolved, files read). */
  tls: BrokerTlsOptions | undefined;
  /** Packet log. */
  verbose: boolean;
}

/**
 * Parses and checks the flags of `mqttx broker`, reading the TLS files.
 * @throws CliError `ERR_USAGE` / `ERR_FILE` (exit 2)
 */
export function parseBrokerArgs(args: readonly string[], ctx: Pick<CliContext, 'cwd'>): BrokerSettings {
  const { values: v } = parseCommandArgs(args, OPTIONS);
  const port = v.port === undefined ? 1883 : parseIntFlag('--port', v.port, 0, 65535);
  const host = v.host ?? '127.0.0.1';
  if (host.trim() === '') throw usageError('--host must not be empty');
  const certPath = v['tls-cert'];
  const keyPath = v['tls-key'];
  if ((certPath === undefined) !== (keyPath === undefined)) throw usageError('--tls-cert and --tls-key go together');
  if (certPath === undefined || keyPath === undefined) {
    if (v['tls-ca'] !== undefined || v['tls-port'] !== undefined) throw usageError('--tls-ca and --tls-port need --tls-cert and --tls-key');
    return { host, port, tls: undefined, verbose: v.verbose };
  }
  const tls: BrokerTlsOptions = {
    cert: readFlagFile('--tls-cert', certPath, ctx.cwd),
    key: readFlagFile('--tls-key', keyPath, ctx.cwd),
    port: v['tls-port'] === undefined ? 8883 : parseIntFlag('--tls-port', v['tls-port'], 0, 65535),
  };
  const caPath = v['tls-ca'];
  if (caPath !== undefined) {
    tls.ca = readFlagFile('--tls-ca', caPath, ctx.cwd);
    tls.requestCert = true;
    tls.rejectUnauthorized = true;
  }
  return { host, port, tls, verbose: v.verbose };
}

/** Runs `mqttx broker`. */
export async function run(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const settings = parseBrokerArgs(args, ctx);
  const { startBroker } = await import('@mqttx/testkit');
  const broker = await startBroker({
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    records: false, // a long-running broker must not keep every packet
  });
  try {
    if (settings.verbose) broker.on('packet', (record) => ctx.stdout.write(`${formatPacketRecord(record, Date.now())}\n`));
    ctx.stdout.write(`listening on ${broker.url}\n`);
    if (broker.tlsUrl !== undefined) ctx.stdout.write(`listening on ${broker.tlsUrl}\n`);
    await whenAborted(ctx.signal);
  } finally {
    await broker.close();
  }
  return EXIT.OK;
}
