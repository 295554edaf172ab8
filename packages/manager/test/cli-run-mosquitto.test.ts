/**
 * `mqttx run` as a child process (the built CLI) against a private Mosquitto: a 5.0 source session and a
 * 3.1.1 target session joined by a forwarder, a log route, the test publishing steadily through its own
 * client. Plain status lines on a non-terminal stdout, `/metrics` scraped twice (the target's messages-sent
 * counter is non-zero and moves), SIGTERM -> every session sends DISCONNECT (Mosquitto logs a clean
 * disconnect, not a closed socket) and the process exits 0. Skipped loudly without Mosquitto, failing under
 * CI=true.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type MqttClient } from '@mqttx/client';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeMosquitto, startMosquitto, type MosquittoInstance } from '../../../test/helpers/mosquitto.js';
import { ensureCliBuilt } from './cli-helpers/build.js';
import { tempDir } from './cli-helpers/fixtures.js';
import { killAll, startCli } from './cli-helpers/spawn.js';

const dir = tempDir('cli-run-mosquitto');

/** The value of the sample `name{session="<session>"}` in a Prometheus text page. */
function sample(text: string, name: string, session: string): number | undefined {
  const m = new RegExp(`^${name}\\{session="${session}"\\} (\\S+)$`, 'm').exec(text);
  return m === null ? undefined : Number(m[1]);
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

describeMosquitto('mqttx run (child process, Mosquitto)', () => {
  let mq: MosquittoInstance;
  beforeAll(async () => {
    await ensureCliBuilt();
    mq = await startMosquitto();
  }, 180_000);
  afterAll(() => mq?.stop());

  let publisher: MqttClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  afterEach(async () => {
    clearInterval(timer);
    timer = undefined;
    await killAll();
    publisher?.destroy();
    publisher = undefined;
  });

  it('plain status lines, /metrics with a moving messages-sent counter, SIGTERM -> clean DISCONNECTs and exit 0', async () => {
    const tag = `${process.pid}-${Date.now().toString(36)}`;
    const config = join(dir, 'run.yaml');
    writeFileSync(
      config,
      [
        'sessions:',
        '  - name: src',
        `    clientId: mq-src-${tag}`,
        '    brokers: ${BROKER_URL}',
        '  - name: dst',
        `    clientId: mq-dst-${tag}`,
        '    brokers: ${BROKER_URL}',
        '    protocolVersion: "3.1.1"',
        'forwarders:',
        '  - name: temps',
        '    sourceSessions: [src]',
        `    sourceTopics: ['cli-${tag}/+/temperature']`,
        '    targetSession: dst',
        `    topicMapping: { 'cli-${tag}/+/temperature': 'stored-${tag}/{1}/temp' }`,
        '    qos: 1',
        'routes:',
        `  - { name: stored, session: dst, filter: 'stored-${tag}/#', action: log }`,
        'metrics: { port: 0 }',
        'status: { intervalMs: 200 }',
        '',
      ].join('\n'),
    );
    const p = startCli(['run', config], { env: { BROKER_URL: mq.url } });
    const [, url] = await p.waitFor(/^metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m);
    await p.waitFor(/^\S+Z session src connected$/m);
    await p.waitFor(/^\S+Z session dst connected$/m);

    // Steady traffic from our own client; Mosquitto has no hook telling us the forwarder's SUBSCRIBE is in
    // place, so publishing goes on until the route sees messages come through.
    publisher = await connect({ brokers: mq.url, clientId: `mq-pub-${tag}` });
    let n = 0;
    timer = setInterval(() => {
      n++;
      publisher!.publish(`cli-${tag}/${n % 3}/temperature`, `t${n}`, { qos: 1 }).catch(() => undefined);
    }, 20);
    const escaped = `stored-${tag}`.replace(/[-]/g, '\\-');
    await p.waitFor(new RegExp(`^\\[dst\\] ${escaped}/\\d/temp t\\d+$`, 'm'));

    // Plain status lines (stdout is a pipe): both sessions connected, messages forwarded, nothing dropped.
    await p.waitFor(/^\S+Z status sessions=2 connected=2 in=[\d.]+\/s out=[\d.]+\/s received=[1-9]\d* sent=[1-9]\d* forwarded=[1-9]\d* dropped=0 errors=0$/m);

    const first = await scrape(url!);
    const sentBefore = sample(first, 'mqtt_session_messages_sent_total', 'dst');
    expect(sentBefore).toBeGreaterThan(0);
    expect(sample(first, 'mqtt_session_messages_received_total', 'src')).toBeGreaterThan(0);
    expect(sample(first, 'mqtt_session_connected', 'src')).toBe(1);
    expect(sample(first, 'mqtt_session_connected', 'dst')).toBe(1);
    expect(first).toMatch(/^mqtt_manager_sessions_connected 2$/m);

    // A message published after the first scrape reaches the route: the counter has moved since.
    const next = n + 1;
    await p.waitFor(new RegExp(`^\\[dst\\] ${escaped}/\\d/temp t${next}$`, 'm'));
    const second = await scrape(url!);
    expect(sample(second, 'mqtt_session_messages_sent_total', 'dst')).toBeGreaterThan(sentBefore!);

    clearInterval(timer);
    p.child.kill('SIGTERM');
    const { code } = await p.exit;
    expect(code).toBe(0);
    expect(p.stdout()).toMatch(/^stopped: every session disconnected$/m);
    expect(p.stderr()).toBe('');
    // Mosquitto saw a DISCONNECT from each session ("disconnected"), not a dropped socket.
    expect(mq.log()).toMatch(new RegExp(`Client mq-src-${tag} disconnected\\.`));
    expect(mq.log()).toMatch(new RegExp(`Client mq-dst-${tag} disconnected\\.`));
    expect(mq.log()).not.toMatch(new RegExp(`Client mq-(src|dst)-${tag} closed its connection`));
  }, 20_000);
});
