/**
 * `mqttx run` as a child process (the built CLI) against the testkit broker: plain status lines on a
 * non-terminal stdout, a forwarder with mapping, a log route, `/metrics` scraped, SIGTERM -> graceful end and
 * exit 0; a config the validator refuses -> exit 2 with nothing connected. The mapping of a config onto the
 * manager's options runs in-process.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkWithManager, forwarderConfigOf, sessionOptionsOf } from '../src/cli/commands/run-map.js';
import { CliError } from '../src/cli/errors.js';
import type { RunConfig } from '../src/cli/config/types.js';
import { ensureCliBuilt } from './cli-helpers/build.js';
import { subscribed, tempDir, useBrokers } from './cli-helpers/fixtures.js';
import { killAll, startCli } from './cli-helpers/spawn.js';

beforeAll(ensureCliBuilt, 180_000);
afterEach(killAll);

const dir = tempDir('cli-run');
const brokers = useBrokers();

describe('mqttx run (child process, testkit broker)', () => {
  it('runs sessions, a forwarder and a log route; plain status lines; /metrics; SIGTERM -> exit 0', async () => {
    const b = await brokers.start();
    const config = join(dir, 'run.yaml');
    writeFileSync(
      config,
      [
        'sessions:',
        '  - name: src',
        '    clientId: run-src',
        '    brokers: ${BROKER_URL}',
        '  - name: dst',
        '    clientId: run-dst',
        '    brokers: ${BROKER_URL}',
        '    protocolVersion: "3.1.1"',
        '    storage: { type: file, dir: ./store-dst }',
        'forwarders:',
        '  - name: temps',
        '    sourceSessions: [src]',
        "    sourceTopics: ['sensors/+/temperature']",
        '    targetSession: dst',
        "    topicMapping: { 'sensors/+/temperature': 'storage/{1}/temp' }",
        '    qos: 1',
        '    metadata: { site: lab }',
        'routes:',
        "  - { name: stored, session: dst, filter: 'storage/#', action: log }",
        'metrics: { port: 0 }',
        'status: { intervalMs: 200 }',
        '',
      ].join('\n'),
    );
    const p = startCli(['run', config], { env: { BROKER_URL: b.url } });
    const [, url] = await p.waitFor(/^metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m);
    // The forwarder's subscription on the source and the route's on the target are in place.
    await Promise.all([subscribed(b, 'run-src', 'sensors/+/temperature'), subscribed(b, 'run-dst', 'storage/#')]);
    b.publish('sensors/7/temperature', '21.5', { qos: 1 });

    // The route logs what the target received, under the mapped topic.
    await p.waitFor(/^\[dst\] storage\/7\/temp 21\.5$/m);
    // Plain status lines (stdout is a pipe, not a terminal), one of them with the forwarded message.
    await p.waitFor(/^\S+Z status sessions=2 connected=2 .*forwarded=1 dropped=0 errors=0$/m);

    const res = await fetch(url!);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^mqtt_forwarder_forwarded_total\{forwarder="temps"\} 1$/m);
    expect(text).toMatch(/^mqtt_manager_sessions_connected 2$/m);
    expect(text).toMatch(/^mqtt_route_delivered_total\{route="stored",filter="storage\/#"\} 1$/m);

    // The config changes on disk: said on stderr, not applied (the forwarder keeps its mapping).
    appendFileSync(config, '# edited while running\n');
    await p.waitFor(/^\S+Z warning: .*run\.yaml changed on disk; not reloaded/m, 'stderr');
    b.publish('sensors/8/temperature', '22.0', { qos: 1 });
    await p.waitFor(/^\[dst\] storage\/8\/temp 22\.0$/m);

    const disconnects = Promise.all(
      ['run-src', 'run-dst'].map((clientId) => b.waitFor({ direction: 'in', type: 'disconnect', clientId }, { timeout: 8000 })),
    );
    p.child.kill('SIGTERM');
    const { code } = await p.exit;
    expect(code).toBe(0);
    await disconnects; // every session ended gracefully with a DISCONNECT
    expect(p.stdout()).toMatch(/^stopped: every session disconnected$/m);
    // Nothing else on stderr but the one change notice.
    expect(p.stderr().trimEnd().split('\n')).toHaveLength(1);
  }, 20_000);

  it('a config with a problem: exit 2, every problem by path, nothing connects', async () => {
    const b = await brokers.start();
    const config = join(dir, 'bad.json');
    writeFileSync(
      config,
      JSON.stringify({
        sessions: [
          { name: 'ok', brokers: b.url },
          { name: 'bad', brokers: 'http://nope', clientld: 'x' },
        ],
      }),
    );
    const p = startCli(['run', config]);
    const { code } = await p.exit;
    expect(code).toBe(2);
    expect(p.stderr()).toMatch(/^mqttx: ERR_CONFIGURATION: /);
    expect(p.stderr()).toMatch(/^ {2}sessions\[1\]\.brokers(\[0\])?: /m);
    expect(p.stderr()).toMatch(/^ {2}sessions\[1\]\.clientld: /m);
    expect(b.connections.size).toBe(0);
    expect(b.records).toHaveLength(0);
  }, 20_000);
});

describe('config -> manager options', () => {
  const base: RunConfig = {
    sessions: [
      { name: 'a', brokers: ['mqtt://127.0.0.1:1'], will: { topic: 'w' }, topics: [{ topic: 'x/#', qos: 1 }] },
      { name: 'b', brokers: ['mqtt://127.0.0.1:1'], protocolVersion: 4 },
    ],
    forwarders: [{ name: 'f', sourceSessions: ['a'], sourceTopics: ['x/#'], targetSession: 'b', filter: { payloadContains: 'ok' } }],
    routes: [],
    status: { intervalMs: 1000 },
  };

  it('sessions are added without connecting, absent fields stay absent, a will gets an empty payload', () => {
    const o = sessionOptionsOf(base.sessions[0]!);
    expect(o).toEqual({ name: 'a', brokers: ['mqtt://127.0.0.1:1'], autoConnect: false, will: { topic: 'w', payload: '' }, topics: [{ topic: 'x/#', qos: 1 }] });
    expect('clientId' in o).toBe(false);
  });

  it('the declarative filter becomes a predicate', () => {
    const f = forwarderConfigOf(base.forwarders[0]!).filter!;
    expect(f({ topic: 'x/1', payload: Buffer.from('is ok') } as never)).toBe(true);
    expect(f({ topic: 'x/1', payload: Buffer.from('no') } as never)).toBe(false);
  });

  it('checkWithManager accepts a good config and lists what the manager refuses by path', () => {
    expect(() => checkWithManager(base)).not.toThrow();
    // MQTT 5-only maximum packet size on a 3.1.1 session: the manager refuses it.
    const bad: RunConfig = { ...base, sessions: [base.sessions[0]!, { ...base.sessions[1]!, performance: { maxMessageSize: 1000 } }] };
    let err: unknown;
    try {
      checkWithManager(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).code).toBe('ERR_CONFIGURATION');
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).problems.map((p) => p.path)).toEqual([expect.stringMatching(/^sessions\[1\]/)]);
  });
});
