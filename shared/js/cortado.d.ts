// TypeScript declarations of cortado.js (docs/javascript.md).

export interface CortadoOptions {
    /** A token, sent in the `cortado.bearer.<token>` subprotocol (never in the URL). */
    token?: string;
    /** Asked before every connect and on system:token_expiring; wins over `token`. */
    getToken?: () => Promise<string> | string;
    /** Backoff between reconnects (default {minMs: 500, maxMs: 10000}); false: never reconnect. */
    reconnect?: { minMs?: number; maxMs?: number } | false;
    /** Messages held while offline before send() / request() refuse with "queue_full" (default 100). */
    queueLimit?: number;
    /** Default request timeout in ms (default 10000). */
    requestTimeoutMs?: number;
    /** A WebSocket constructor for runtimes without a global one. */
    WebSocket?: unknown;
}

/** Error codes of the protocol ("not_in_room", "forbidden", ...) or the client's own. */
export type CortadoErrorCode =
    | 'timeout' | 'disconnected' | 'queue_full' | 'closed' | 'left' | 'token' | 'bad_url'
    | 'no_token_source' | (string & {});

export class CortadoError extends Error {
    readonly name: 'CortadoError';
    readonly code: CortadoErrorCode;
    readonly details?: unknown;
    /** Set when the connection ended with a close code that rules out reconnecting. */
    closeCode?: number;
}

export interface MessageMeta {
    event: string;
    room?: string;
    /** The socket whose event caused the message; absent for the server's own. */
    from?: string;
    /** The room's offset, in rooms that keep history. */
    offset?: number;
}

export interface PresenceUser {
    id: string;
    name?: string;
    status: string;
    since: number;
    connections: number;
    guest: boolean;
}

export interface Presence {
    readonly room: string;
    readonly users: PresenceUser[];
    has(id: string): boolean;
    /** Called with the users after every change; returns a function that removes the callback. */
    onChange(fn: (users: PresenceUser[]) => void): () => void;
    stop(): void;
}

export interface JoinAck {
    room: string;
    members: number;
    offset?: number;
    recovered?: boolean;
}

export type ConnectionState = 'idle' | 'connecting' | 'joining' | 'open' | 'reconnecting' | 'closed';

export interface ClientEvents {
    open: { socketId: string; reconnected: boolean };
    close: { code: number; reason: string; willReconnect: boolean };
    reconnecting: { attempt: number; delayMs: number; code: number };
    gap: { room: string; since: number; offset?: number };
    error: CortadoError;
    token: { user: string; expiresAt?: number };
}

export class Cortado {
    constructor(url: string, options?: CortadoOptions);

    readonly url: string;
    readonly state: ConnectionState;
    /** This connection's socket id (from system:welcome); null while offline. */
    readonly socketId: string | null;
    /** The rooms the client remembers and rejoins, with the last offset seen. */
    readonly rooms: { room: string; offset: number | null; joined: boolean }[];

    /** Resolves on the first 'open'; rejects if closed for good before that. */
    connect(): Promise<void>;
    /** Closes for good: no reconnect; pending requests and queued messages reject with "closed". */
    close(code?: number, reason?: string): void;

    on<K extends keyof ClientEvents>(event: K, fn: (info: ClientEvents[K]) => void): this;
    on(event: string, fn: (payload: any, meta: MessageMeta) => void): this;
    off(event: string, fn?: (...args: any[]) => void): this;

    /** Fire and forget. Offline: queued (up to queueLimit, then throws CortadoError "queue_full"). */
    send(event: string, payload?: unknown, options?: { room?: string }): void;
    /** Resolves with the ack's payload; rejects with a CortadoError. */
    request<T = any>(event: string, payload?: unknown, options?: { room?: string; timeout?: number }): Promise<T>;

    /** Joins and remembers the room: rejoined with {since} after every reconnect. */
    join(room: string): Promise<JoinAck>;
    /** Leaves and forgets the room. */
    leave(room: string): Promise<{ room: string; left: boolean }>;
    /** A live user list of the room; call it before join() so the first presence:state is seen. */
    presence(room: string, fn?: (users: PresenceUser[]) => void): Presence;
    /** Gets a token from getToken() and sends auth:refresh (done on system:token_expiring). */
    refreshToken(): Promise<{ user: string; expiresAt?: number }>;
}

export default Cortado;
