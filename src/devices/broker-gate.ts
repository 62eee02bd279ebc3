import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { hashSecret, secretMatches } from '../common/auth/api-key.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import {
  BROKER_REFUSALS,
  type BrokerIdentity,
  type BrokerRefusal,
  publishRefusal,
  type SimulatorEdgeNode,
  subscribeAllowed,
} from './device-access.js';

/** Credentials of an identity of this process; the password is random per start and never stored or logged. */
export interface InternalCredentials {
  username: string;
  password: string;
}

/** What the gate checks a device against: its name, units, status permission and the SHA-256 of its secret. */
export interface GateDevice {
  name: string;
  units: readonly string[];
  publishStatus: boolean;
  /** Sparkplug edge nodes (`{group}/{edge node}`) it may speak for. */
  sparkplugNodes: readonly string[];
  secretHash: string;
}

export interface BrokerGateOptions {
  topicPrefix: string;
  /** MQTT_CLIENT_ID: only the backend may connect with it (and the simulator with `<it>_simulator`). */
  backendClientId: string;
  /** MQTT_ALLOW_ANONYMOUS: clients without a user name are let in, with the backend's rights. */
  allowAnonymous: boolean;
}

type AuthHandlers = Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>>;

/** Internal user names start with `$`, which a device name (an identifier) cannot. */
const BACKEND_USER = '$backend';
const SIMULATOR_USER = '$simulator';

/** Log lines hold what a client sent: bounded and quoted, so a hostile name cannot forge or flood the log. */
const shown = (text: string | undefined): string => JSON.stringify((text ?? '').slice(0, 80));

/**
 * The embedded broker's authentication and authorisation: every client is the backend, the simulator or a known
 * device (or, on a lab bench with MQTT_ALLOW_ANONYMOUS=true, anonymous). Checks are in memory: the device list is
 * a snapshot that DevicesService replaces (at start, after every change here, every 10 s for other instances), so
 * a CONNECT never waits for the database. Refusals are counted by reason and logged at most once per reason per
 * 10 s; the password is never logged.
 */
export class BrokerGate {
  readonly backend: InternalCredentials = { username: BACKEND_USER, password: randomBytes(32).toString('base64url') };
  readonly simulator: InternalCredentials = {
    username: SIMULATOR_USER,
    password: randomBytes(32).toString('base64url'),
  };
  readonly refused = new Map<BrokerRefusal, number>(BROKER_REFUSALS.map((r) => [r, 0]));
  private readonly internal: Map<string, { hash: string; identity: BrokerIdentity }>;
  private devices = new Map<string, { hash: string; identity: BrokerIdentity }>();
  private readonly reserved: Map<string, string>;
  private readonly identities = new WeakMap<Client, BrokerIdentity>();
  /** Connected device clients, so a revoked device loses its connection at the next snapshot. */
  private readonly deviceClients = new Set<Client>();
  private readonly log = new ThrottledLogger(new Logger('MqttAuth'));

  constructor(private readonly options: BrokerGateOptions) {
    this.internal = new Map([
      [BACKEND_USER, { hash: hashSecret(this.backend.password), identity: { kind: 'backend', name: 'backend' } }],
      [
        SIMULATOR_USER,
        {
          hash: hashSecret(this.simulator.password),
          identity: { kind: 'simulator', name: 'simulator', units: new Set<string>() },
        },
      ],
    ]);
    this.reserved = new Map([
      [options.backendClientId, BACKEND_USER],
      [`${options.backendClientId}_simulator`, SIMULATOR_USER],
    ]);
  }

  /**
   * The units of the simulator's run, whose command topics it may subscribe to and acknowledge (and, in Sparkplug
   * mode, its edge node, whose births, data and deaths it may publish and whose NCMD/DCMD it may read). Set before the run
   * connects: the simulator connects anew at every start, and a connection keeps the identity it authenticated with.
   */
  setSimulatorUnits(units: readonly string[], sparkplug?: SimulatorEdgeNode): void {
    const entry = this.internal.get(SIMULATOR_USER)!;
    this.internal.set(SIMULATOR_USER, {
      ...entry,
      identity: { kind: 'simulator', name: 'simulator', units: new Set(units), sparkplug },
    });
  }

  /** Replaces the known devices; clients of devices no longer in the list are disconnected. */
  setDevices(devices: readonly GateDevice[]): void {
    const next = new Map<string, { hash: string; identity: BrokerIdentity }>();
    for (const d of devices) {
      next.set(d.name, {
        hash: d.secretHash,
        identity: {
          kind: 'device',
          name: d.name,
          units: new Set(d.units),
          publishStatus: d.publishStatus,
          sparkplugNodes: new Set(d.sparkplugNodes),
        },
      });
    }
    this.devices = next;
    for (const client of this.deviceClients) {
      // A connection that failed between CONNECT and CONNACK is never reported as disconnected: dropped here.
      if (client.closed) {
        this.deviceClients.delete(client);
        continue;
      }
      const identity = this.identities.get(client);
      if (identity === undefined || next.get(identity.name)?.identity.kind !== 'device') {
        this.deviceClients.delete(client);
        client.close();
      }
    }
  }

  /** The aedes handlers (`Aedes.createBroker({ ...gate.handlers() })`). */
  handlers(): AuthHandlers {
    return {
      authenticate: (client, username, password, done) => {
        const identity = this.authenticate(client.id, username, password);
        if (typeof identity === 'string') {
          const error = new Error('Not authorized') as AuthenticateError;
          // 3.1.1 return codes: 4 bad user name or password, 5 not authorised, 2 identifier rejected.
          error.returnCode = identity === 'connect_client_id_reserved' ? 2 : identity === 'connect_anonymous' ? 5 : 4;
          this.refuse(identity, `client ${shown(client.id)} user ${shown(username)}`);
          done(error, false);
          return;
        }
        this.identities.set(client, identity);
        if (identity.kind === 'device') this.deviceClients.add(client);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        const identity = client === null ? undefined : this.identities.get(client);
        const refusal =
          identity === undefined
            ? 'publish_topic_denied'
            : publishRefusal(identity, this.options.topicPrefix, packet.topic, packet.retain);
        if (refusal === undefined) {
          done(null);
          return;
        }
        this.refuse(refusal, `${identity?.name ?? 'unknown client'} on ${shown(packet.topic)}`);
        // aedes closes the connection: MQTT 3.1.1 has no way to refuse one PUBLISH.
        done(new Error(`publish to ${packet.topic} not allowed`));
      },
      authorizeSubscribe: (client, subscription, done) => {
        const identity = this.identities.get(client);
        if (identity !== undefined && subscribeAllowed(identity, this.options.topicPrefix, subscription.topic)) {
          done(null, subscription);
          return;
        }
        this.refuse('subscribe_denied', `${identity?.name ?? 'unknown client'} on ${shown(subscription.topic)}`);
        // A null subscription is a SUBACK failure (0x80) for this filter; the connection stays.
        done(null, null);
      },
    };
  }

  /** Called when a client is gone. */
  forget(client: Client): void {
    this.deviceClients.delete(client);
  }

  private authenticate(
    clientId: string,
    username: string | undefined,
    password: Buffer | undefined,
  ): BrokerIdentity | BrokerRefusal {
    const reservedFor = this.reserved.get(clientId);
    if (username === undefined || username === '') {
      if (!this.options.allowAnonymous) return 'connect_anonymous';
      return reservedFor === undefined ? { kind: 'anonymous', name: 'anonymous' } : 'connect_client_id_reserved';
    }
    const known = this.internal.get(username) ?? this.devices.get(username);
    // A hash is compared even for an unknown name, so both refusals cost the same.
    const matches = secretMatches(password?.toString('utf8') ?? '', known?.hash ?? hashSecret(''));
    if (known === undefined || !matches || password === undefined) return 'connect_bad_credentials';
    if (reservedFor !== undefined && reservedFor !== username) return 'connect_client_id_reserved';
    return known.identity;
  }

  private refuse(reason: BrokerRefusal, detail: string): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
    this.log.warn(reason, `MQTT ${reason.replace(/_/g, ' ')}: ${detail}`);
  }
}
