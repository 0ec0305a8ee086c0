// Starts a real cortado-server for the JavaScript tests: port 0 (or a given port, to restart on the
// same one), data in a temporary folder, the port read from its "listening on" line.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SECRET = 'cortado-js-tests-secret-of-32-bytes-or-more';

const binary = process.env.CORTADO_SERVER;
if (!binary)
    throw new Error('set CORTADO_SERVER to the cortado-server binary (CTest does)');

// An HS256 token for the server's secret, as `cortado-server token` makes them.
export function token(user, { name = user, roles = [], ttl = 3600 } = {}) {
    const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: user, name, roles, iat: now, exp: now + ttl })}`;
    return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

export class ServerProcess {
    constructor(args = []) {
        this.args = args;
        this.dataDir = mkdtempSync(join(tmpdir(), 'cortado-js-'));
        this.port = 0;
        this.process = null;
        this.log = '';
    }

    get url() { return `http://127.0.0.1:${this.port}`; }
    wsUrl(path) { return `ws://127.0.0.1:${this.port}${path}`; }

    // Resolves once the server listens; on a restart it binds the port it had.
    start() {
        const child = spawn(binary, ['--port', String(this.port), '--data-dir', this.dataDir,
                                     '--threads', '1', ...this.args],
                            { env: { ...process.env, CORTADO_JWT_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
        this.process = child;
        child.stderr.on('data', (chunk) => { this.log += chunk; });
        return new Promise((resolve, reject) => {
            let out = '';
            child.stdout.on('data', (chunk) => {
                out += chunk;
                const match = /listening on https?:\/\/[^:]+:(\d+)/.exec(out);
                if (match && this.process === child && !child.listening) {
                    child.listening = true;
                    this.port = Number(match[1]);
                    resolve(this);
                }
            });
            child.on('exit', (code) => {
                if (!child.listening)
                    reject(new Error(`cortado-server exited with ${code} before listening:\n${this.log}`));
            });
        });
    }

    // SIGTERM, as an operator's restart: the server closes its sockets with 1001 and stores what it holds.
    stop() {
        const child = this.process;
        if (!child || child.exitCode !== null)
            return Promise.resolve();
        return new Promise((resolve) => {
            child.on('exit', () => resolve());
            child.kill('SIGTERM');
        });
    }

    async restart() {
        await this.stop();
        await this.start();
    }

    async dispose() {
        await this.stop();
        rmSync(this.dataDir, { recursive: true, force: true });
    }
}
