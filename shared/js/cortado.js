// cortado.js — the browser (and Node) client of the Cortado protocol (docs/protocol.md).
// One ES module, no dependencies. The API is documented in docs/javascript.md.
//
//   import { Cortado } from '/cortado.js';
//   const client = new Cortado('ws://localhost:8080/chat', { getToken: async () => token });
//   client.on('chat:message', (payload, meta) => show(payload.text, meta.from));
//   await client.connect();
//   await client.join('lobby');
//   await client.request('chat:send', { text: 'hi' }, { room: 'lobby' });

const DEFAULTS = {
    reconnect: { minMs: 500, maxMs: 10000 },
    queueLimit: 100,
    requestTimeoutMs: 10000,
};

// Close codes after which reconnecting helps (docs/protocol.md, "Close codes"): the server went away,
// TCP broke, or a 41xx code. 4001 / 4010 (bad or expired credentials) only when a new token can be
// fetched (getToken); every other code means "do not reconnect until something changes".
function shouldReconnect(code, canRefreshToken) {
    if (code === 1001 || code === 1005 || code === 1006 || (code >= 1011 && code <= 1014))
        return true;
    if (code >= 4100 && code <= 4199)
        return true;
    if (code === 4001 || code === 4010)
        return canRefreshToken;
    return false;
}

// An error the client reports: `code` is a protocol error code ("not_in_room", "forbidden", ...)
// or one of the client's own: "timeout", "disconnected", "queue_full", "closed".
export class CortadoError extends Error {
    constructor(code, message, details) {
        super(message || code);
        this.name = 'CortadoError';
        this.code = code;
        if (details !== undefined)
            this.details = details;
    }
}

// A live user list of one room, kept from presence:state and presence:diff.
class Presence {
    constructor(client, room) {
        this.room = room;
        this._client = client;
        this._users = new Map(); // id → user, in the order the server listed them
        this._listeners = new Set();
    }

    // The users now in the room (objects as the server sends them: id, name, status, connections, ...).
    get users() { return [...this._users.values()]; }

    has(id) { return this._users.has(id); }

    // Calls fn(users) after every change; returns a function that removes it.
    onChange(fn) {
        this._listeners.add(fn);
        return () => this._listeners.delete(fn);
    }

    // Stops tracking (the room stays joined).
    stop() {
        this._listeners.clear();
        this._client._presences.delete(this.room);
    }

    _state(payload) {
        this._users = new Map((payload.users || []).map((user) => [user.id, user]));
        this._changed();
    }

    // Idempotent, as docs/protocol.md asks: insert or replace joins and updates, remove leaves.
    _diff(payload) {
        for (const user of [...(payload.joins || []), ...(payload.updates || [])])
            this._users.set(user.id, user);
        for (const user of payload.leaves || [])
            this._users.delete(user.id);
        this._changed();
    }

    _changed() {
        const users = this.users;
        for (const fn of [...this._listeners])
            fn(users);
    }
}

export class Cortado {
    // url: the WebSocket route ("ws://host:port/chat", "wss://..."); relative URLs ("/chat") resolve
    // against the page's location in a browser.
    // options: token (string) or getToken (async () => string, asked before every connect and on
    // system:token_expiring), reconnect {minMs, maxMs} or false, queueLimit, requestTimeoutMs,
    // WebSocket (a constructor, for runtimes without a global one).
    constructor(url, options = {}) {
        this.url = Cortado._resolveUrl(url);
        this._token = options.token;
        this._getToken = options.getToken;
        this._reconnect = options.reconnect === false
            ? null
            : { ...DEFAULTS.reconnect, ...(options.reconnect || {}) };
        this._queueLimit = options.queueLimit ?? DEFAULTS.queueLimit;
        this._requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
        this._WebSocket = options.WebSocket || globalThis.WebSocket;
        if (!this._WebSocket)
            throw new Error('cortado.js: no WebSocket in this runtime; pass options.WebSocket');

        this.state = 'idle'; // idle → connecting → joining → open; closed after close() or a final close code
        this.socketId = null;
        this._ws = null;
        this._listeners = new Map(); // event → Set of fns
        this._nextId = 1;
        this._pending = new Map(); // request id → {resolve, reject, timer}
        this._queue = []; // frames waiting for the connection (and the rooms' rejoin)
        this._rooms = new Map(); // room → {offset, delivered, joined, waiters}
        this._presences = new Map(); // room → Presence
        this._attempt = 0;
        this._reconnectTimer = null;
        this._connectWaiters = [];
        this._everOpened = false;
    }

    static _resolveUrl(url) {
        if (/^wss?:\/\//.test(url))
            return url;
        const location = globalThis.location;
        if (!location)
            throw new Error(`cortado.js: "${url}" is not a ws:// or wss:// URL`);
        const absolute = new URL(url, location.href);
        absolute.protocol = absolute.protocol === 'https:' ? 'wss:' : 'ws:';
        return absolute.href;
    }

    // ---- events

    // Server events ("chat:message") call fn(payload, meta) with meta {event, room, from, offset}.
    // The client's own events have no colon: 'open' ({socketId, reconnected}), 'close' ({code,
    // reason, willReconnect}), 'reconnecting' ({attempt, delayMs}), 'gap' ({room, since, offset}),
    // 'error' (a CortadoError), 'token' (the auth:refresh ack). '*' gets every server message.
    on(event, fn) {
        if (!this._listeners.has(event))
            this._listeners.set(event, new Set());
        this._listeners.get(event).add(fn);
        return this;
    }

    off(event, fn) {
        const set = this._listeners.get(event);
        if (set) {
            if (fn)
                set.delete(fn);
            else
                set.clear();
        }
        return this;
    }

    _emit(event, ...args) {
        const set = this._listeners.get(event);
        if (!set)
            return;
        for (const fn of [...set]) {
            try {
                fn(...args);
            } catch (error) {
                // A listener's exception must not break the client's state; report it asynchronously.
                setTimeout(() => { throw error; });
            }
        }
    }

    // ---- connection

    // Connects (and keeps reconnecting until close()). Resolves on the first 'open'; rejects if the
    // connection ends with a close code that rules out reconnecting before it ever opened.
    connect() {
        if (this.state === 'closed')
            this.state = 'idle';
        const opened = new Promise((resolve, reject) => {
            if (this.state === 'open')
                resolve();
            else
                this._connectWaiters.push({ resolve, reject });
        });
        if (this.state === 'idle')
            this._open();
        return opened;
    }

    // Closes for good (no reconnect). Pending requests and queued messages fail with "closed".
    close(code = 1000, reason = '') {
        const wasOpen = this._ws !== null;
        this.state = 'closed';
        clearTimeout(this._reconnectTimer);
        this._reconnectTimer = null;
        this._failPending('closed', 'the client was closed');
        this._failQueue('closed', 'the client was closed');
        this._settleConnect(new CortadoError('closed', 'the client was closed'));
        if (this._ws) {
            const ws = this._ws;
            this._ws = null;
            this._detach(ws);
            ws.close(code, reason);
        }
        if (wasOpen)
            this._emit('close', { code, reason, willReconnect: false });
    }

    async _open() {
        this.state = 'connecting';
        let protocols = ['cortado.v1'];
        try {
            const token = this._getToken ? await this._getToken() : this._token;
            if (this.state !== 'connecting')
                return; // closed while the token was on its way
            if (token) {
                this._token = token;
                protocols = ['cortado.v1', 'cortado.bearer.' + token];
            }
        } catch (error) {
            this._emit('error', new CortadoError('token', `getToken failed: ${error && error.message}`));
            this._scheduleReconnect(1006);
            return;
        }
        let ws;
        try {
            ws = new this._WebSocket(this.url, protocols);
        } catch (error) {
            this._settleConnect(new CortadoError('bad_url', error.message));
            this.state = 'closed';
            return;
        }
        this._ws = ws;
        ws.onmessage = (event) => this._onFrame(event.data);
        ws.onclose = (event) => this._onClose(ws, event.code, event.reason);
        // A close event normally follows an error and says more. Node 20's WebSocket (undici) fails a
        // refused handshake with an error and no close, staying CONNECTING: end it here as 1006.
        ws.onerror = () => setTimeout(() => {
            if (ws === this._ws && (ws.readyState === 0 || ws.readyState === 3)) {
                this._onClose(ws, 1006, '');
                try { ws.close(); } catch { /* already failed */ }
            }
        });
    }

    _detach(ws) {
        ws.onmessage = ws.onclose = ws.onerror = null;
    }

    _onClose(ws, code, reason) {
        if (ws !== this._ws)
            return;
        this._detach(ws);
        this._ws = null;
        this.socketId = null;
        this._failPending('disconnected', `the connection closed (${code}) before the ack came`);
        for (const room of this._rooms.values())
            room.joined = false;
        const reconnect = this._reconnect !== null && shouldReconnect(code, Boolean(this._getToken));
        const wasOpen = this.state === 'open' || this.state === 'joining';
        if (wasOpen)
            this._emit('close', { code, reason, willReconnect: reconnect });
        if (reconnect) {
            this._scheduleReconnect(code);
            return;
        }
        this.state = 'closed';
        const error = new CortadoError('closed', `the connection closed with ${code}${reason ? ` "${reason}"` : ''}`);
        error.closeCode = code;
        this._failQueue('closed', error.message);
        this._settleConnect(error);
        if (!wasOpen)
            this._emit('close', { code, reason, willReconnect: false });
    }

    // Exponential backoff with jitter: a random delay in [d/2, d], d = minMs · 2^attempt up to maxMs,
    // so that a server restart is not met by every client at the same instant.
    _scheduleReconnect(code) {
        if (this._reconnect === null) {
            this.state = 'closed';
            return;
        }
        this.state = 'reconnecting';
        const ceiling = Math.min(this._reconnect.maxMs, this._reconnect.minMs * 2 ** this._attempt);
        const delayMs = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
        this._attempt++;
        this._emit('reconnecting', { attempt: this._attempt, delayMs, code });
        this._reconnectTimer = setTimeout(() => {
            this._reconnectTimer = null;
            if (this.state === 'reconnecting')
                this._open();
        }, delayMs);
    }

    _settleConnect(error) {
        const waiters = this._connectWaiters;
        this._connectWaiters = [];
        for (const waiter of waiters) {
            if (error)
                waiter.reject(error);
            else
                waiter.resolve();
        }
    }

    // After the welcome: rejoin every room (with since), then flush what was queued, then 'open'.
    async _welcomed(payload) {
        this.socketId = payload.socketId;
        this.maxMessageSize = payload.maxMessageSize;
        this.state = 'joining';
        const ws = this._ws;
        await Promise.all([...this._rooms.keys()].map((room) => this._sendJoin(room).catch(() => { })));
        if (ws !== this._ws || this.state !== 'joining')
            return; // lost again meanwhile: the next welcome starts over
        this.state = 'open';
        this._attempt = 0;
        const queue = this._queue;
        this._queue = [];
        for (const item of queue)
            this._transmit(item);
        const reconnected = this._everOpened;
        this._everOpened = true;
        this._settleConnect(null);
        this._emit('open', { socketId: this.socketId, reconnected });
    }

    // ---- sending

    // Sends an event without waiting for an ack. While offline (or rejoining) it is queued and sent
    // after the rooms are rejoined; at queueLimit queued frames it throws CortadoError "queue_full".
    send(event, payload, options = {}) {
        this._enqueue({ frame: this._frame(event, payload, options.room) });
    }

    // Sends an event with an id; resolves with the ack's payload, rejects with a CortadoError whose
    // `code` is the ack's error code, "timeout", "disconnected" (the connection dropped after it was
    // sent: it may or may not have been handled), "queue_full" or "closed".
    request(event, payload, options = {}) {
        return new Promise((resolve, reject) => {
            const id = this._nextId++;
            const frame = this._frame(event, payload, options.room);
            frame.id = id;
            const timeoutMs = options.timeout ?? this._requestTimeoutMs;
            const item = { frame, resolve, reject, cancelled: false };
            item.timer = setTimeout(() => {
                item.cancelled = true; // if still queued, it is dropped when the queue is flushed
                this._pending.delete(id);
                reject(new CortadoError('timeout', `no ack for "${event}" within ${timeoutMs} ms`));
            }, timeoutMs);
            try {
                this._enqueue(item);
            } catch (error) {
                clearTimeout(item.timer);
                reject(error);
            }
        });
    }

    _frame(event, payload, room) {
        const frame = { event };
        if (payload !== undefined)
            frame.payload = payload;
        if (room !== undefined)
            frame.room = room;
        return frame;
    }

    _enqueue(item) {
        if (this.state === 'closed')
            throw new CortadoError('closed', 'the client is closed: call connect() first');
        if (this.state === 'open') {
            this._transmit(item);
            return;
        }
        if (this._queue.length >= this._queueLimit)
            throw new CortadoError('queue_full', `${this._queueLimit} messages are already waiting for the connection`);
        this._queue.push(item);
    }

    _transmit(item) {
        if (item.cancelled)
            return;
        if (item.frame.id !== undefined)
            this._pending.set(item.frame.id, item);
        this._ws.send(JSON.stringify(item.frame));
    }

    _failPending(code, message) {
        const pending = this._pending;
        this._pending = new Map();
        for (const item of pending.values()) {
            clearTimeout(item.timer);
            item.reject(new CortadoError(code, message));
        }
    }

    _failQueue(code, message) {
        const queue = this._queue;
        this._queue = [];
        for (const item of queue) {
            if (item.reject && !item.cancelled) {
                clearTimeout(item.timer);
                item.reject(new CortadoError(code, message));
            }
        }
    }

    // ---- rooms

    // Joins `room` and remembers it: after a reconnect it is rejoined with {since: last offset seen},
    // so the server replays what was missed. Resolves with the join's ack ({room, members, offset?}).
    // Offline, the join waits for the connection.
    join(room) {
        if (!this._rooms.has(room))
            this._rooms.set(room, { offset: null, delivered: null, joined: false });
        const entry = this._rooms.get(room);
        if (entry.joining)
            return entry.joining; // a (re)join of it is on its way
        if (this.state === 'open' || this.state === 'joining')
            return this._sendJoin(room);
        return new Promise((resolve, reject) => {
            (entry.waiters ||= []).push({ resolve, reject });
        });
    }

    // Leaves `room` and forgets it (no rejoin). Offline, it is only forgotten.
    async leave(room) {
        const wasJoined = this._rooms.get(room)?.joined;
        this._forgetRoom(room);
        if (this.state === 'open' && wasJoined)
            return this.request('room:leave', undefined, { room });
        return { room, left: false };
    }

    // The rooms this client remembers, with their last offset.
    get rooms() {
        return [...this._rooms.entries()].map(([room, entry]) => ({ room, offset: entry.offset, joined: entry.joined }));
    }

    _forgetRoom(room) {
        const entry = this._rooms.get(room);
        this._rooms.delete(room);
        for (const waiter of entry?.waiters || [])
            waiter.reject(new CortadoError('left', `left "${room}" before it was joined`));
    }

    _sendJoin(room) {
        const entry = this._rooms.get(room);
        entry.joining = this._joinOnce(room, entry).finally(() => { entry.joining = null; });
        return entry.joining;
    }

    async _joinOnce(room, entry) {
        const payload = entry.offset !== null ? { since: entry.offset } : undefined;
        const waiters = entry.waiters || [];
        entry.waiters = [];
        // Sent directly, not queued: rejoining comes before the queued messages.
        const ack = await new Promise((resolve, reject) => {
            const id = this._nextId++;
            const item = { frame: { event: 'room:join', room, id, ...(payload ? { payload } : {}) }, resolve, reject };
            item.timer = setTimeout(() => {
                this._pending.delete(id);
                reject(new CortadoError('timeout', `no ack for room:join "${room}"`));
            }, this._requestTimeoutMs);
            this._transmit(item);
        }).catch((error) => {
            if (error.code === 'disconnected' && this._rooms.get(room) === entry) {
                (entry.waiters ||= []).push(...waiters); // joined after the next welcome
                throw error;
            }
            if (error.code === 'forbidden' || error.code === 'unauthorized' || error.code === 'bad_room')
                this._forgetRoom(room); // rejoining would be refused again
            for (const waiter of waiters)
                waiter.reject(error);
            throw error;
        });
        if (this._rooms.get(room) !== entry)
            return ack; // left meanwhile
        entry.joined = true;
        if (payload && ack && ack.recovered === false)
            this._emit('gap', { room, since: payload.since, offset: ack.offset });
        if (ack && typeof ack.offset === 'number' && (entry.offset === null || ack.recovered === false))
            entry.offset = ack.offset; // nothing seen yet (or a gap): continue from the room's offset
        for (const waiter of waiters)
            waiter.resolve(ack);
        return ack;
    }

    // A live user list for `room` (join it too). fn, if given, is called with the users on each change.
    presence(room, fn) {
        let presence = this._presences.get(room);
        if (!presence) {
            presence = new Presence(this, room);
            this._presences.set(room, presence);
        }
        if (fn)
            presence.onChange(fn);
        return presence;
    }

    // ---- receiving

    _onFrame(data) {
        let message;
        try {
            message = JSON.parse(data);
        } catch {
            this._emit('error', new CortadoError('bad_json', 'the server sent a frame that is not JSON'));
            return;
        }
        const event = message.event;
        if (event === 'ack') {
            const item = this._pending.get(message.id);
            if (!item)
                return; // timed out already
            this._pending.delete(message.id);
            clearTimeout(item.timer);
            if (message.ok)
                item.resolve(message.payload);
            else
                item.reject(new CortadoError(message.error?.code || 'error', message.error?.message, message.error?.details));
            return;
        }
        if (event === 'system:welcome') {
            this._welcomed(message.payload || {});
            return;
        }
        const room = message.room;
        if (room !== undefined && typeof message.offset === 'number') {
            const entry = this._rooms.get(room);
            if (entry) {
                // Never deliver an offset twice (a replay overlapping what was already seen).
                if (entry.delivered !== null && message.offset <= entry.delivered)
                    return;
                entry.delivered = message.offset;
                entry.offset = Math.max(entry.offset ?? 0, message.offset);
            }
        }
        if (event === 'presence:state' || event === 'presence:diff') {
            const presence = this._presences.get(room);
            if (presence) {
                if (event === 'presence:state')
                    presence._state(message.payload || {});
                else
                    presence._diff(message.payload || {});
            }
        } else if (event === 'system:error') {
            const p = message.payload || {};
            this._emit('error', new CortadoError(p.code || 'error', p.message, p.details));
        } else if (event === 'system:token_expiring' && this._getToken) {
            this._refreshToken();
        }
        const meta = { event, room, from: message.from, offset: message.offset };
        this._emit(event, message.payload, meta);
        this._emit('*', message.payload, meta);
    }

    // Asks getToken() for a new token and sends it with auth:refresh; 'token' gets the ack
    // ({user, expiresAt}), 'error' a failure (the server then closes with 4010 at expiry, and the
    // client reconnects with a token from getToken()).
    async refreshToken() {
        if (!this._getToken)
            throw new CortadoError('no_token_source', 'refreshToken() needs the getToken option');
        const token = await this._getToken();
        this._token = token;
        const ack = await this.request('auth:refresh', { token });
        this._emit('token', ack);
        return ack;
    }

    _refreshToken() {
        this.refreshToken().catch((error) => this._emit('error', error instanceof CortadoError
            ? error : new CortadoError('token', `token refresh failed: ${error && error.message}`)));
    }
}

export default Cortado;
