/**
 * Interop with the Mosquitto command line clients: `mosquitto_pub` / `mosquitto_sub` talk to the testkit
 * broker in 3.1.1 and 5.0. Skipped loudly without the binaries, failing under CI=true.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBroker, type Broker } from '@mqttx/testkit';
import { describeWithBinary } from '../../../test/helpers/process.js';
import { checkLeaks } from './helpers/leaks.js';

interface Run {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Spawns a Mosquitto client; killed if it has not exited within `timeoutMs`. */
function run(cmd: string, args: string[], timeoutMs = 10_000): Run {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { done };
}

describeWithBinary('mosquitto_sub', 'mosquitto-clients', 'mosquitto_pub / mosquitto_sub against the testkit broker', () => {
  checkLeaks();
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(() => broker.close());

  const base = () => ['-h', '127.0.0.1', '-p', String(broker.port)];

  it.each(['mqttv311', 'mqttv5'] as const)('%s: a QoS 1 message and a retained QoS 2 message', async (version) => {
    const subId = `sub-${version}`;
    const mark = broker.records.length;
    const sub = run('mosquitto_sub', [...base(), '-V', version, '-i', subId, '-t', `interop/${version}/#`, '-q', '2', '-C', '2', '-F', '%t|%p|%q|%r']);
    await broker.waitFor({ direction: 'out', type: 'suback', clientId: subId }, { since: mark, timeout: 10_000 });
    const pub = await run('mosquitto_pub', [...base(), '-V', version, '-t', `interop/${version}/a`, '-m', 'hello', '-q', '1']).done;
    expect(pub.code).toBe(0);
    const retained = await run('mosquitto_pub', [...base(), '-V', version, '-t', `interop/${version}/r`, '-m', 'kept', '-q', '2', '-r']).done;
    expect(retained.code).toBe(0);
    const out = await sub.done;
    expect(out.code).toBe(0);
    expect(out.stdout.trim().split('\n')).toEqual([`interop/${version}/a|hello|1|0`, `interop/${version}/r|kept|2|0`]);
    // A later subscriber gets the retained one with RETAIN=1.
    const late = await run('mosquitto_sub', [...base(), '-V', version, '-t', `interop/${version}/r`, '-C', '1', '-F', '%p|%r']).done;
    expect(late.stdout.trim()).toBe('kept|1');
    const protocol = broker.records.find((r) => r.direction === 'in' && r.clientId === undefined && r.packet?.type === 'connect' && r.seq >= mark);
    expect(protocol?.packet).toMatchObject({ protocolVersion: version === 'mqttv5' ? 5 : 4 });
  });

  it('mqttv5: user properties travel from mosquitto_pub to mosquitto_sub', async () => {
    const mark = broker.records.length;
    const sub = run('mosquitto_sub', [...base(), '-V', 'mqttv5', '-i', 'sub-props', '-t', 'interop/props', '-C', '1', '-F', '%p|%P']);
    await broker.waitFor({ direction: 'out', type: 'suback', clientId: 'sub-props' }, { since: mark, timeout: 10_000 });
    const pub = await run('mosquitto_pub', [...base(), '-V', 'mqttv5', '-t', 'interop/props', '-m', 'p', '-D', 'publish', 'user-property', 'k', 'v']).done;
    expect(pub.code).toBe(0);
    expect((await sub.done).stdout.trim()).toBe('p|k:v');
  });
});
