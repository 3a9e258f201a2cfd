// The sandbox clearing scheme (`corebank scheme`, docs/payments/scheme.md) as a real process
// for the payments suites: started on 127.0.0.1 in a temp dir, restartable on the same port
// and data (kill -9 included).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { COREBANK } from './lib.mjs';

export class Scheme {
  constructor(dir, args) {
    this.dir = dir;
    this.args = args;
    this.child = null;
    this.url = null;
    this.port = 0;
  }

  async start() {
    const child = spawn(COREBANK, ['scheme', '--listen', `127.0.0.1:${this.port}`, '--data', join(this.dir, 'scheme'), ...this.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    this.url = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`scheme did not start:\n${out}`)), 20000);
      const check = (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/127\.0\.0\.1:(\d+))/);
        if (m) {
          clearTimeout(timer);
          this.port = Number(m[2]);
          res(m[1]);
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.on('exit', (code, sig) => {
        clearTimeout(timer);
        rej(new Error(`scheme exited (${code ?? sig}):\n${out}`));
      });
    });
    this.child = child;
    this.log = () => out;
    return this;
  }

  async kill(signal = 'SIGKILL') {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill(signal);
    await exited;
  }

  async stop() {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  async post(path, body) {
    const res = await fetch(this.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, body: json, text };
  }

  async get(path) {
    const res = await fetch(this.url + path);
    return { status: res.status, text: await res.text() };
  }
}

// `args`: extra flags (`--delay-ms`, `--reject-permille`, ...).
export async function startScheme(args = []) {
  const dir = mkdtempSync(join(tmpdir(), 'corebank-scheme-test-'));
  return new Scheme(dir, args).start();
}
