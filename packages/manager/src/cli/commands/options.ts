/**
 * The flags of every command, apart from the commands themselves so that `mqttx --help` and
 * `mqttx <cmd> --help` load nothing heavy (the client, the testkit, the YAML parser load with the command).
 * @module
 */
import { COMMON_OPTIONS, type OptionSpecs } from '../args.js';

/** Flags of the broker connection (group `Connection`). */
export const CONNECTION_OPTIONS = {
  broker: {
    type: 'string',
    short: 'h',
    value: '<url|host[:port]>',
    description: 'Broker: mqtt://, mqtts://, tcp://, ssl://, tls:// URL or host[:port]',
    default: 'mqtt://127.0.0.1:1883',
    group: 'Connection',
  },
  port: { type: 'string', short: 'p', value: '<port>', description: 'Port, when --broker is a host name', group: 'Connection' },
  'protocol-version': {
    type: 'string',
    short: 'V',
    value: '<3.1.1|5>',
    description: 'MQTT version',
    default: '5',
    group: 'Connection',
  },
  id: { type: 'string', short: 'i', value: '<client-id>', description: 'Client identifier', default: 'mqttx-<cmd>-<random>', group: 'Connection' },
  username: { type: 'string', short: 'u', value: '<name>', description: 'User name', group: 'Connection' },
  password: {
    type: 'string',
    short: 'P',
    value: '<password>',
    description: 'Password (or set MQTTX_PASSWORD, which stays out of the process list)',
    group: 'Connection',
  },
  keepalive: { type: 'string', short: 'k', value: '<seconds>', description: 'Keep alive, 0 disables', default: '60', group: 'Connection' },
  'disable-clean-session': {
    type: 'boolean',
    short: 'c',
    description: 'Clean session off: resume the session (needs -i; 5.0: session expiry defaults to never)',
    group: 'Connection',
  },
  'session-expiry': {
    type: 'string',
    short: 'x',
    value: '<seconds>',
    description: 'MQTT 5 Session Expiry Interval; -1 never expires',
    group: 'Connection',
  },
  ca: { type: 'string', value: '<file>', description: 'CA certificate(s) to trust (PEM); implies TLS', group: 'TLS' },
  cert: { type: 'string', value: '<file>', description: 'Client certificate (PEM), with --key', group: 'TLS' },
  key: { type: 'string', value: '<file>', description: 'Client private key (PEM), with --cert', group: 'TLS' },
  insecure: { type: 'boolean', description: "Do not verify the broker's certificate (testing only)", group: 'TLS' },
  'will-topic': { type: 'string', value: '<topic>', description: 'Will message topic', group: 'Will' },
  'will-payload': { type: 'string', value: '<text>', description: 'Will message payload', default: 'empty', group: 'Will' },
  'will-qos': { type: 'string', value: '<0|1|2>', description: 'Will message QoS', default: '0', group: 'Will' },
  'will-retain': { type: 'boolean', description: 'Retain the will message', group: 'Will' },
} as const satisfies OptionSpecs;

/** Flags of `mqttx pub`. */
export const PUB_OPTIONS = {
  topic: { type: 'string', short: 't', value: '<topic>', description: 'Topic to publish to (required)', group: 'Message' },
  message: { type: 'string', short: 'm', value: '<text>', description: 'Publish this text', group: 'Message' },
  file: { type: 'string', short: 'f', value: '<file>', description: 'Publish the whole file as one message', group: 'Message' },
  'stdin-lines': {
    type: 'boolean',
    short: 'l',
    description: 'Publish each line of standard input as a message (empty lines skipped)',
    group: 'Message',
  },
  'stdin-file': { type: 'boolean', short: 's', description: 'Publish all of standard input as one message', group: 'Message' },
  'null-message': { type: 'boolean', short: 'n', description: 'Publish an empty message', group: 'Message' },
  qos: { type: 'string', short: 'q', value: '<0|1|2>', description: 'Quality of service', default: '0', group: 'Message' },
  retain: { type: 'boolean', short: 'r', description: 'Set the RETAIN flag', group: 'Message' },
  'user-property': {
    type: 'string',
    multiple: true,
    value: '<key=value>',
    description: 'MQTT 5 user property of the PUBLISH',
    group: 'Message',
  },
  ...CONNECTION_OPTIONS,
  ...COMMON_OPTIONS,
} as const satisfies OptionSpecs;

/** Flags of `mqttx sub`. */
export const SUB_OPTIONS = {
  topic: { type: 'string', short: 't', multiple: true, value: '<filter>', description: 'Topic filter to subscribe to (required)', group: 'Subscription' },
  qos: { type: 'string', short: 'q', value: '<0|1|2>', description: 'Maximum QoS of the subscriptions', default: '0', group: 'Subscription' },
  count: { type: 'string', short: 'C', value: '<n>', description: 'Exit after this many messages', group: 'Subscription' },
  format: {
    type: 'string',
    value: '<text|json>',
    description: "text: 'topic payload' lines; json: one JSON object per line",
    default: 'text',
    group: 'Subscription',
  },
  'user-property': {
    type: 'string',
    multiple: true,
    value: '<key=value>',
    description: 'MQTT 5 user property of the SUBSCRIBE',
    group: 'Subscription',
  },
  ...CONNECTION_OPTIONS,
  ...COMMON_OPTIONS,
} as const satisfies OptionSpecs;

/** Flags of `mqttx broker`. */
export const BROKER_OPTIONS = {
  host: { type: 'string', value: '<address>', description: 'Address to listen on', default: '127.0.0.1' },
  port: { type: 'string', short: 'p', value: '<port>', description: 'TCP port; 0 picks a free one', default: '1883' },
  'tls-cert': { type: 'string', value: '<file>', description: 'Server certificate chain (PEM); enables the TLS listener', group: 'TLS' },
  'tls-key': { type: 'string', value: '<file>', description: 'Server private key (PEM)', group: 'TLS' },
  'tls-ca': {
    type: 'string',
    value: '<file>',
    description: 'CA (PEM) for client certificates: clients must present one it signed',
    group: 'TLS',
  },
  'tls-port': { type: 'string', value: '<port>', description: 'TLS port; 0 picks a free one', default: '8883', group: 'TLS' },
  help: COMMON_OPTIONS.help,
  verbose: {
    type: 'boolean',
    short: 'v',
    description: 'Log every packet (direction, client, type, key fields); stacks on errors',
    group: 'General',
  },
} as const satisfies OptionSpecs;

/** Flags of `mqttx bench`. */
export const BENCH_OPTIONS = {
  count: { type: 'string', short: 'c', value: '<n>', description: 'Sessions (conn, pub: publishers; sub: subscribers)', default: '10', group: 'Load' },
  'conn-rate': { type: 'string', value: '<n/s>', description: 'Connects started per second; 0 = as fast as --concurrency allows', default: '0', group: 'Load' },
  concurrency: { type: 'string', value: '<n>', description: 'Connects in flight at once', default: '100', group: 'Load' },
  rate: { type: 'string', value: '<n/s>', description: 'Messages per second per publisher', default: '1', group: 'Load' },
  duration: {
    type: 'string',
    short: 'd',
    value: '<seconds>',
    description: 'Publishing time (pub, sub); time the sessions stay connected (conn)',
    default: '10 (pub, sub), 0 (conn)',
    group: 'Load',
  },
  limit: { type: 'string', short: 'L', value: '<n>', description: 'Messages per publisher, then stop; 0 = no limit', default: '0', group: 'Load' },
  publishers: { type: 'string', value: '<n>', description: 'sub: publishing sessions (messages spread over the topics)', default: '1', group: 'Load' },
  qos: { type: 'string', short: 'q', value: '<0|1|2>', description: 'QoS of publishes and subscriptions', default: '0', group: 'Load' },
  size: { type: 'string', short: 's', value: '<bytes>', description: 'Payload size (sub: at least 8, for the timestamp)', default: '64', group: 'Load' },
  topic: {
    type: 'string',
    short: 't',
    value: '<pattern>',
    description: '%i is the session number (1-based)',
    default: 'mqttx/bench/%i',
    group: 'Load',
  },
  'id-prefix': { type: 'string', short: 'I', value: '<prefix>', description: 'Client ids are prefix + number', default: 'mqttx-bench-', group: 'Load' },
  json: { type: 'boolean', description: 'Print the summary as JSON on stdout', group: 'Output' },
  broker: CONNECTION_OPTIONS.broker,
  port: CONNECTION_OPTIONS.port,
  'protocol-version': CONNECTION_OPTIONS['protocol-version'],
  username: CONNECTION_OPTIONS.username,
  password: CONNECTION_OPTIONS.password,
  keepalive: CONNECTION_OPTIONS.keepalive,
  ca: CONNECTION_OPTIONS.ca,
  cert: CONNECTION_OPTIONS.cert,
  key: CONNECTION_OPTIONS.key,
  insecure: CONNECTION_OPTIONS.insecure,
  ...COMMON_OPTIONS,
} as const satisfies OptionSpecs;

/** Flags of `mqttx run`. */
export const RUN_OPTIONS = {
  check: { type: 'boolean', description: 'Validate the config, print a summary, connect nothing' },
  ...COMMON_OPTIONS,
} as const satisfies OptionSpecs;
