// cortado.js against a real cortado-server (the example app): node --experimental-websocket --test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';

import { Cortado, CortadoError } from '../../shared/js/cortado.js';
import { ServerProcess, token } from './server.mjs';

let server;
const clients = [];

before(async () => { server = await new ServerProcess().start(); });
after(async () => {
    for (const client of clients)
        client.close();
    await server?.dispose();
});

// Node 20 has a WebSocket behind --experimental-websocket (CTest passes it when it exists); else `ws`.
const WebSocket = globalThis.WebSocket ?? (await import('ws')).WebSocket;

function client(path, options = {}) {
    const c = new Cortado(server.wsUrl(path), { reconnect: { minMs: 50, maxMs: 200 }, WebSocket, ...options });
    clients.push(c);
    return c;
}

// Resolves with the first emission of `event` whose arguments satisfy `predicate`.
function next(c, event, predicate = () => true) {
    return new Promise((resolve) => {
        const fn = (...args) => {
            if (predicate(...args)) {
                c.off(event, fn);
                resolve(args[0]);
            }
        };
        c.on(event, fn);
    });
}

// Resolves when presence's user list satisfies `predicate`.
function presenceUntil(presence, predicate) {
    if (predicate(presence.users.map((u) => u.id)))
        return Promise.resolve();
    return new Promise((resolve) => {
        const stop = presence.onChange((users) => {
            if (predicate(users.map((u) => u.id))) {
                stop();
                resolve();
            }
        });
    });
}

// A gate: getToken() waits on it, so a test decides when a reconnect may happen.
function gatedToken(user) {
    let open = true, release = () => { };
    let gate = Promise.resolve();
    return {
        getToken: async () => { await gate; return token(user); },
        close() { open = false; gate = new Promise((r) => { release = r; }); },
        open() { if (!open) { open = true; release(); } },
    };
}

test('connects with a token in the subprotocol: the server knows the user', async () => {
    const alice = client('/chat', { token: token('alice') });
    const opened = next(alice, 'open');
    await alice.connect();
    assert.deepEqual(await opened, { socketId: alice.socketId, reconnected: false });
    // "user:alice" is only for alice: a guest (or anyone else) is refused.
    assert.equal((await alice.join('user:alice')).room, 'user:alice');
    const guest = client('/chat');
    await guest.connect();
    await assert.rejects(guest.join('user:alice'), { name: 'CortadoError', code: 'unauthorized' });
    assert.deepEqual(guest.rooms, [], 'a refused room is not rejoined later');
});

test('request resolves with the ack payload and rejects with the error code', async () => {
    const c = client('/chat', { token: token('carol') });
    await c.connect();
    await assert.rejects(c.request('chat:send', { text: 'early' }, { room: 'req' }),
                         (error) => error instanceof CortadoError && error.code === 'not_in_room');
    await c.join('req');
    const ack = await c.request('chat:send', { text: 'hi' }, { room: 'req' });
    assert.equal(ack.delivered, 1);
    assert.equal(typeof ack.offset, 'number');
    await assert.rejects(c.request('no:such', {}), { code: 'unknown_event' });
});

test('a request without an ack in time rejects with "timeout"; a late ack is ignored', async () => {
    const c = client('/chat', { token: token('dave') });
    await c.connect();
    await c.join('slow');
    server.process.kill('SIGSTOP'); // the server is alive but answers nothing
    try {
        await assert.rejects(c.request('chat:send', { text: 'late' }, { room: 'slow', timeout: 300 }),
                             { code: 'timeout' });
    } finally {
        server.process.kill('SIGCONT');
    }
    // The late ack (and message) arrive now; the next request still gets its own ack.
    const ack = await c.request('chat:send', { text: 'after' }, { room: 'slow' });
    assert.equal(ack.delivered, 1);
});

test('on / off: a listener removed with off() is no longer called', async () => {
    const c = client('/chat', { token: token('erin') });
    await c.connect();
    await c.join('onoff');
    const seen = [];
    const fn = (payload, meta) => seen.push([payload.text, meta.room, meta.from === c.socketId]);
    c.on('chat:message', fn);
    await c.request('chat:send', { text: 'one' }, { room: 'onoff' }); // the sender's copy comes before the ack
    c.off('chat:message', fn);
    await c.request('chat:send', { text: 'two' }, { room: 'onoff' });
    assert.deepEqual(seen, [['one', 'onoff', true]]);
});

test('the presence helper keeps the live user list', async () => {
    const alice = client('/chat', { token: token('alice') });
    const bob = client('/chat', { token: token('bob') });
    await alice.connect();
    await bob.connect();
    const list = alice.presence('presence-room');
    await alice.join('presence-room');
    assert.deepEqual(list.users.map((u) => u.id), ['alice']);
    await bob.join('presence-room');
    await presenceUntil(list, (ids) => ids.includes('bob') && ids.includes('alice'));
    assert.equal(list.users.find((u) => u.id === 'bob').name, 'bob');
    await bob.leave('presence-room');
    await presenceUntil(list, (ids) => ids.length === 1 && ids[0] === 'alice');
});

test('after a server restart the client reconnects and rejoins with since: nothing lost, nothing twice', async () => {
    const gate = gatedToken('frank');
    const frank = client('/chat', { getToken: gate.getToken, queueLimit: 2 });
    const received = [];
    frank.on('chat:message', (payload, meta) => received.push([payload.text, meta.offset]));
    await frank.connect();
    await frank.join('recover');
    await frank.request('chat:send', { text: 'm1' }, { room: 'recover' });
    await frank.request('chat:send', { text: 'm2' }, { room: 'recover' });

    gate.close(); // frank may not reconnect until bob has sent
    const closed = next(frank, 'close');
    const reconnecting = next(frank, 'reconnecting');
    await server.restart();
    assert.deepEqual(await closed, { code: 1001, reason: (await closed).reason, willReconnect: true });
    await reconnecting;

    // Offline: sends are queued up to queueLimit, then refused.
    frank.send('chat:send', { text: 'q1' }, { room: 'recover' });
    const queuedAck = frank.request('chat:send', { text: 'q2' }, { room: 'recover' });
    assert.throws(() => frank.send('chat:send', { text: 'q3' }, { room: 'recover' }),
                  { name: 'CortadoError', code: 'queue_full' });

    const bob = client('/chat', { token: token('bob') });
    await bob.connect();
    await bob.join('recover');
    for (const text of ['m3', 'm4', 'm5'])
        await bob.request('chat:send', { text }, { room: 'recover' });

    const reopened = next(frank, 'open');
    gate.open();
    assert.equal((await reopened).reconnected, true);
    // The queued messages went out after the rejoin, so they follow the replay.
    await queuedAck;
    await frank.request('chat:send', { text: 'm6' }, { room: 'recover' });
    assert.deepEqual(received.map(([text]) => text), ['m1', 'm2', 'm3', 'm4', 'm5', 'q1', 'q2', 'm6']);
    const offsets = received.map(([, offset]) => offset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
    assert.equal(new Set(offsets).size, offsets.length, 'no offset delivered twice');
});

test('a close code that says "do not reconnect" (4009, an operator) stops the client', async () => {
    const grace = client('/chat', { token: token('grace') });
    await grace.connect();
    const reconnects = [];
    grace.on('reconnecting', (info) => reconnects.push(info));
    const admin = client('/_admin', { token: token('root', { roles: ['admin'] }) });
    await admin.connect();
    const closed = next(grace, 'close');
    await admin.request('admin:disconnect', { socket: grace.socketId, reason: 'test' });
    const info = await closed;
    assert.equal(info.code, 4009);
    assert.equal(info.willReconnect, false);
    assert.equal(grace.state, 'closed'); // decided when the close came: no timer is left to reconnect
    assert.deepEqual(reconnects, []);
    assert.throws(() => grace.send('chat:send', {}, { room: 'x' }), { code: 'closed' });
});

test('on system:token_expiring the client asks getToken() and sends auth:refresh', async () => {
    // A token that expires within the warning time (60 s): the warning comes at once.
    let calls = 0;
    const henry = client('/chat', {
        getToken: async () => (++calls === 1 ? token('henry', { ttl: 40 }) : token('henry', { ttl: 3600 })),
    });
    const refreshed = next(henry, 'token');
    await henry.connect();
    const ack = await refreshed;
    assert.equal(ack.user, 'henry');
    assert.ok(ack.expiresAt > Date.now() + 3000 * 1000, 'the new expiry applies');
    assert.equal(calls, 2);
});

// node:http with no keep-alive: undici's fetch would keep the connection, and Node's WebSocket (also
// undici) then sends its upgrade on that used connection, which the server refuses (protocol.md).
function get(path, headers = {}) {
    return new Promise((resolve, reject) => {
        http.get(server.url + path, { headers, agent: false }, (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk) => { body += chunk; });
            response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body }));
        }).on('error', reject);
    });
}

test('the server serves /cortado.js and /cortado.d.ts as they are in the repository, revalidated by ETag', async () => {
    for (const [path, type] of [['/cortado.js', 'text/javascript'], ['/cortado.d.ts', 'application/typescript']]) {
        const response = await get(path);
        assert.equal(response.status, 200);
        assert.match(response.headers['content-type'], new RegExp(`^${type}`));
        assert.equal(response.headers['cache-control'], 'no-cache');
        assert.equal(response.body, await readFile(new URL(`../../shared/js${path}`, import.meta.url), 'utf8'));
        const again = await get(path, { 'If-None-Match': response.headers.etag });
        assert.equal(again.status, 304);
        assert.equal(again.body, '');
    }
});

test('at token expiry (4010) only a client that can get a new token reconnects', async () => {
    // The server closes each socket with 4010 when its token's exp passes (here in ~2 s); iris
    // cannot refresh (getToken's second answer is refused), jack has no getToken at all.
    let calls = 0;
    const iris = client('/chat', {
        getToken: async () => [token('iris', { ttl: 2 }), 'not-a-token'][++calls - 1] ?? token('iris'),
    });
    const jack = client('/chat', { token: token('jack', { ttl: 2 }) });
    const refusal = next(iris, 'error', (error) => error.code === 'unauthorized');
    await iris.connect();
    await iris.join('expiry');
    await jack.connect();
    await refusal; // the refresh with a bad token was refused; the connection stays until exp

    const reopened = next(iris, 'open'); // listening before the close: the reconnect may be quick
    const [irisClosed, jackClosed] = await Promise.all([next(iris, 'close'), next(jack, 'close')]);
    assert.deepEqual([irisClosed.code, irisClosed.willReconnect], [4010, true]);
    assert.deepEqual([jackClosed.code, jackClosed.willReconnect], [4010, false]);
    assert.equal(jack.state, 'closed');
    assert.equal((await reopened).reconnected, true);
    assert.deepEqual(iris.rooms.map((r) => [r.room, r.joined]), [['expiry', true]]);
    assert.equal(calls, 3);
});

test('connects after fetch() calls to the same server (a handshake failing without a close is retried)', async () => {
    // Node 20's WebSocket (undici) then fails its first handshake with an error event, no close,
    // and stays CONNECTING; the client must treat that as a dropped connection and try again.
    for (let i = 0; i < 2; ++i)
        await (await fetch(`${server.url}/health`)).text();
    const c = client('/chat', { token: token('kate') });
    await c.connect();
    assert.equal((await c.join('after-fetch')).room, 'after-fetch');
});
