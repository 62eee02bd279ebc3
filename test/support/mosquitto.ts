import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { eventually } from './eventually.js';
import { repoRoot } from './paths.js';
import { freePort } from './ports.js';

const CONF = join(repoRoot(), 'docker/mosquitto/mosquitto.conf');

/** Whether a real Mosquitto binary is installed (tests that need their own broker skip, saying so, if not). */
export const mosquittoInstalled = spawnSync('mosquitto', ['-h']).error === undefined;

/** A Prerequisite (test/support/prerequisites.ts) of specs that start their own Mosquitto. */
export const MOSQUITTO = {
  name: 'mosquitto binary',
  met: mosquittoInstalled,
  hint: 'apt-get install mosquitto',
};

function portAnswers(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** A TLS listener: the broker's certificate and key, and the CA its clients' certificates must chain to. */
export interface MosquittoTls {
  ca: string;
  cert: string;
  key: string;
  /** Refuse clients without a certificate signed by `ca`. */
  requireCertificate: boolean;
}

/** The password and ACL files the broker checks clients against (`npm run devices -- export-mosquitto`). */
export interface MosquittoAuth {
  passwordFile: string;
  aclFile: string;
}

/** Departures from docker/mosquitto/mosquitto.conf. */
export interface MosquittoOptions {
  /** Accept retained messages (a Sparkplug host's STATE is one); the shipped configuration refuses them. */
  retainAvailable?: boolean;
}

/**
 * A real Mosquitto of our own on a free loopback port, configured by docker/mosquitto/mosquitto.conf
 * (the settings held-back PUBACKs need), so a test can stop and start the broker at will.
 */
export class MosquittoProcess {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tc-mosquitto-'));

  private constructor(
    readonly port: number,
    private readonly tls?: MosquittoTls,
    private readonly auth?: MosquittoAuth,
    private readonly options: MosquittoOptions = {},
  ) {}

  /**
   * Without `auth` the broker lets anonymous clients in (for specs that are not about broker authentication);
   * with it, it checks the password and ACL files as docker/mosquitto/mosquitto.conf does in production.
   * `retainAvailable` turns retained messages on (the shipped file has them off).
   */
  static async start(
    port?: number,
    tls?: MosquittoTls,
    auth?: MosquittoAuth,
    options?: MosquittoOptions,
  ): Promise<MosquittoProcess> {
    const broker = new MosquittoProcess(port ?? (await freePort()), tls, auth, options);
    await broker.resume();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the broker process on the same port and data directory. */
  async resume(): Promise<void> {
    const conf = readFileSync(CONF, 'utf8')
      .replace(/^listener .*$/m, `listener ${this.port} 127.0.0.1`)
      .replace(/^persistence_location .*$/m, `persistence_location ${this.dir}/`)
      .replace(/^log_dest .*$/m, `log_dest file ${this.dir}/mosquitto.log`)
      .replace(/^allow_anonymous .*$/m, `allow_anonymous ${this.auth === undefined}`)
      .replace(/^retain_available .*$/m, `retain_available ${this.options.retainAvailable === true}`)
      .replace(/^password_file .*$/m, this.auth ? `password_file ${this.auth.passwordFile}` : '')
      .replace(/^acl_file .*$/m, this.auth ? `acl_file ${this.auth.aclFile}` : '')
      // Started as root, Mosquitto switches to user `mosquitto`, which cannot write our private (0700) directory:
      // no log and, worse, no persistence, so a restarted broker would silently forget every session. Run it as
      // ourselves (the option only matters when started as root).
      .concat(`\nuser ${userInfo().username}\n`)
      // Listener options: they apply to the (only) listener above.
      .concat(
        this.tls
          ? `cafile ${this.tls.ca}\ncertfile ${this.tls.cert}\nkeyfile ${this.tls.key}\nrequire_certificate ${this.tls.requireCertificate}\n`
          : '',
      );
    const file = join(this.dir, 'mosquitto.conf');
    writeFileSync(file, conf);
    this.child = spawn('mosquitto', ['-c', file], { stdio: 'ignore' });
    await eventually(() => portAnswers(this.port), 10_000);
  }

  /** Stops the broker process (SIGTERM: it saves its persistent sessions). */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops the broker for good and removes its data directory. */
  async stop(): Promise<void> {
    await this.pause();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
