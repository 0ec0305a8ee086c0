// cortado::Client — the Qt C++ client of the Cortado protocol (docs/qt-client.md; the protocol is
// docs/protocol.md). Its semantics follow cortado.js (docs/javascript.md): token in the
// `cortado.bearer.<token>` subprotocol, request/ack with a timeout, rooms remembered and rejoined
// with `since` after a reconnect, exponential backoff with jitter honouring the close codes, a
// bounded offline queue and a bounded set of pending requests.
//
// Thread affinity: a Client and its PendingReply objects live in the thread that created them and
// are used from it only (like QWebSocket). Ownership: PendingReply objects are children of the
// Client and delete themselves (deleteLater) after finished().
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QUrl>
#include <QVariant>

#include <functional>
#include <memory>
#include <optional>

class QWebSocket;

namespace cortado {

// The outcome of a request: the ack's payload, or an error. The error code is the ack's
// (`not_in_room`, `forbidden`, ...) or one of the client's own:
//   timeout       no ack within the request's timeout (a queued request that times out is not sent)
//   disconnected  the connection dropped after the request was sent: it may or may not have run
//   closed        the client is closed (close(), a final close code, or never opened)
//   queue_full    ClientOptions::queueLimit messages already wait for the connection
//   too_many_requests  ClientOptions::maxPendingRequests requests already wait for their acks
//   too_many_rooms     the client already remembers protocol::MaxRoomsPerSocket rooms
//   left          leave() was called before a waiting join() was sent
class Reply
{
    Q_GADGET
    Q_PROPERTY(bool ok READ ok CONSTANT)
    Q_PROPERTY(QJsonValue payload READ payload CONSTANT)
    Q_PROPERTY(QString errorCode READ errorCode CONSTANT)
    Q_PROPERTY(QString errorMessage READ errorMessage CONSTANT)

public:
    Reply() = default;
    static Reply success(QJsonValue payload);
    static Reply failure(QString code, QString message, QJsonValue details = QJsonValue::Undefined);
    // An ack frame as the server sent it ({"event":"ack","id":..,"ok":..,"payload"|"error":..}).
    static Reply fromAck(const QJsonObject &ack);

    bool ok() const { return m_ok; }
    // The ack's payload (Undefined when it had none, or on error).
    QJsonValue payload() const { return m_payload; }
    // Empty when ok().
    QString errorCode() const { return m_errorCode; }
    QString errorMessage() const { return m_errorMessage; }
    QJsonValue errorDetails() const { return m_errorDetails; }
    bool timedOut() const { return m_errorCode == QLatin1String("timeout"); }
    // For logs and test failures: "ok {...}" or "error <code>: <message>".
    QString toString() const;

private:
    bool m_ok = false;
    QJsonValue m_payload = QJsonValue::Undefined;
    QString m_errorCode = QStringLiteral("closed");
    QString m_errorMessage;
    QJsonValue m_errorDetails = QJsonValue::Undefined;
};

// One request on its way. finished() is emitted exactly once, always from the event loop (never
// inside the call that created it), so connecting right after request() returns is safe. The
// object then deletes itself (deleteLater).
//
//   client.request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hi"_s}}, u"lobby"_s)
//       ->then(this, [](const cortado::Reply &reply) { qDebug() << reply.toString(); });
//
// From QML: `const r = client.request(...); r.finished.connect(() => console.log(r.ok, r.payload))`.
class PendingReply : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool isFinished READ isFinished NOTIFY finished)
    Q_PROPERTY(bool ok READ ok NOTIFY finished)
    Q_PROPERTY(QVariant payload READ payloadVariant NOTIFY finished)
    Q_PROPERTY(QString errorCode READ errorCode NOTIFY finished)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY finished)

public:
    bool isFinished() const { return m_finished; }
    const Reply &reply() const { return m_reply; }
    bool ok() const { return m_reply.ok(); }
    QString errorCode() const { return m_finished ? m_reply.errorCode() : QString(); }
    QString errorMessage() const { return m_reply.errorMessage(); }
    QVariant payloadVariant() const { return m_reply.payload().toVariant(); }
    const QString &event() const { return m_event; }
    // The id the request went out with (its ack carries it), 0 while it waits in the queue.
    qint64 id() const { return m_id; }

    // Calls `callback` with the reply when it finishes (while `context` exists). Returns this.
    PendingReply *then(const QObject *context, std::function<void(const Reply &)> callback);

Q_SIGNALS:
    void finished(const cortado::Reply &reply);

private:
    friend class Client;
    PendingReply(QString event, QObject *parent);
    void finish(const Reply &reply); // at once
    void finishLater(const Reply &reply); // from the event loop

    QString m_event;
    qint64 m_id = 0;
    bool m_finished = false;
    Reply m_reply;
    QTimer m_timeout;
};

// Tunables, with the defaults cortado.js uses.
struct ClientOptions
{
    bool reconnect = true; // false: never reconnect on its own
    int reconnectMinMs = 500; // attempt n waits a random time in [d/2, d], d = min·2ⁿ capped at max
    int reconnectMaxMs = 10000;
    int requestTimeoutMs = 10000; // default timeout of request() and join()
    int connectTimeoutMs = 10000; // from opening the socket to system:welcome; then it counts as dropped
    // Bounds: both refuse beyond them (queue_full / too_many_requests) instead of growing.
    int queueLimit = 100; // send()/request() held while not Connected
    int maxPendingRequests = 1000; // requests sent and waiting for their ack
};

class Client : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString socketId READ socketId NOTIFY stateChanged)
    Q_PROPERTY(QUrl url READ url NOTIFY stateChanged)
    Q_PROPERTY(QStringList rooms READ rooms NOTIFY roomsChanged)

public:
    // Disconnected: not open (never opened, close()d, or ended by a final close code).
    // Connecting: an attempt is under way (socket, welcome, rejoining the rooms).
    // Connected: welcomed and every remembered room rejoined; sends go out at once.
    // Reconnecting: waiting for the next attempt (reconnecting() said how long).
    enum State { Disconnected, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    // Called before every connection attempt and on system:token_expiring; returns the token to
    // use (empty: none). With a provider, close codes 4001 / 4010 (and an HTTP 401 handshake)
    // reconnect; without one they end the client.
    using TokenProvider = std::function<QString()>;
    using EventHandler = std::function<void(const QJsonValue &payload, const QJsonObject &frame)>;

    explicit Client(QObject *parent = nullptr);
    explicit Client(const ClientOptions &options, QObject *parent = nullptr);
    ~Client() override;

    const ClientOptions &options() const { return m_options; }
    void setOptions(const ClientOptions &options) { m_options = options; }
    void setTokenProvider(TokenProvider provider) { m_tokenProvider = std::move(provider); }

    // Connects to a WebSocket route (ws://host:port/chat) and keeps the connection until close().
    // `token`, if not empty, travels as the `cortado.bearer.<token>` subprotocol (a token
    // provider, if set, wins). Rooms remembered from before are rejoined.
    Q_INVOKABLE void open(const QUrl &url, const QString &token = {});
    // The same with a handshake of your own: the request's URL and headers (Authorization, Cookie,
    // Origin, ...) go with every attempt. Subprotocols it names in a Sec-WebSocket-Protocol header
    // are offered after `cortado.v1` (and before the token's).
    void open(const QNetworkRequest &request, const QString &token = {});
    // Closes for good: pending and queued requests finish with `closed`; no reconnect.
    Q_INVOKABLE void close(int code = 1000, const QString &reason = {});

    State state() const { return m_state; }
    QString socketId() const { return m_socketId; }
    QUrl url() const { return m_url; }
    // The welcome's payload of this connection (socketId, route, protocol, maxMessageSize, ...).
    QJsonObject welcome() const { return m_welcome; }
    // While Reconnecting: milliseconds until the next attempt (else -1).
    int reconnectRemainingMs() const;
    // The close code and reason of the last connection that ended (-1 before any).
    int lastCloseCode() const { return m_lastCloseCode; }
    QString lastCloseReason() const { return m_lastCloseReason; }

    // Sends `event` with an id and waits for its ack (timeoutMs < 0: options().requestTimeoutMs).
    // While not Connected it is queued (up to queueLimit) and sent once connected and rejoined.
    Q_INVOKABLE cortado::PendingReply *request(const QString &event,
                                               const QJsonValue &payload = QJsonValue::Undefined,
                                               const QString &room = {}, int timeoutMs = -1);
    // No ack (errors come back as errorOccurred from system:error). False (and nothing sent or
    // queued) when the client is closed or the queue is full; `why` then says which.
    Q_INVOKABLE bool send(const QString &event, const QJsonValue &payload = QJsonValue::Undefined,
                          const QString &room = {});
    bool send(const QString &event, const QJsonValue &payload, const QString &room, Reply *why);
    // A raw frame on the open socket, for tools and protocol tests: no id added, not queued, not
    // tracked (its ack still arrives as frameReceived). False when not open. The client numbers
    // its own requests 1, 2, 3, ...: give raw frames string ids if request() is used as well, or
    // their acks may be taken for its own.
    bool sendFrame(const QJsonObject &frame);
    bool sendText(const QString &text);
    bool sendBinary(const QByteArray &data);

    // Joins `room` and remembers it: after a reconnect it is rejoined with {since: last offset
    // seen}. Finishes with the join's ack ({room, members, offset?, recovered?}). While not
    // connected the join waits for the connection. Refused rooms (forbidden, unauthorized,
    // bad_room) are forgotten.
    Q_INVOKABLE cortado::PendingReply *join(const QString &room);
    // Leaves and forgets `room`. Finishes with the room:leave ack, or at once with
    // {room, left: false} when the room was not joined on an open connection.
    Q_INVOKABLE cortado::PendingReply *leave(const QString &room);
    QStringList rooms() const;
    bool isJoined(const QString &room) const;
    // The last offset seen in `room` (from its messages, or the join's ack); nullopt if none.
    std::optional<qint64> roomOffset(const QString &room) const;

    // Calls `handler` for each server event named `event` (`*`: every one) while `context` lives.
    QMetaObject::Connection on(const QString &event, const QObject *context, EventHandler handler);

    // Sends `auth:refresh` with a new token from the provider (done on system:token_expiring).
    PendingReply *refreshToken();

    // The underlying socket of the current attempt (nullptr between attempts), for tools that
    // need the transport (raw frames, the negotiated subprotocol, a dropped TCP connection).
    // abort() on it drops TCP without a close frame (the server sees 1006); the client cannot tell
    // its own abort from a close and ends the attempt as closed with 1000 (final). Do not open,
    // close or delete it.
    QWebSocket *socket() const;

Q_SIGNALS:
    void stateChanged(cortado::Client::State state);
    // Welcomed and every remembered room rejoined; `reconnected` after the first time.
    void connected(const QString &socketId, bool reconnected);
    // A connection (or an attempt) ended. `code`: the close code; for a handshake the server
    // refused: 4001 for HTTP 401, 4003 for 403, 1002 for other 4xx, 1006 for everything else;
    // `reason`: the close reason, or what went wrong.
    void disconnected(int code, const QString &reason, bool willReconnect);
    void reconnecting(int attempt, int delayMs, int code);
    // A server event (not acks, not the welcome): `room` empty when it has none. Replayed or live
    // room messages whose offset was already delivered are dropped, never delivered twice.
    void eventReceived(const QString &name, const QJsonValue &payload, const QString &room, const QJsonObject &frame);
    // Every frame exactly as it arrived (acks, welcome and duplicates included), before the
    // client acts on it: for logs and protocol tools.
    void frameReceived(const QJsonObject &frame);
    // A room rejoined with `since` could not be recovered (recovered: false): messages after
    // `since` up to `offset` are lost; reload the room's history if they matter.
    void gap(const QString &room, qint64 since, qint64 offset);
    // system:error from the server, an unreadable frame, a failed token refresh.
    void errorOccurred(const QString &code, const QString &message);
    // The auth:refresh ack ({user, expiresAt}).
    void tokenRefreshed(const QJsonObject &ack);
    void roomsChanged();

private:
    struct Room
    {
        std::optional<qint64> offset; // the last offset seen: `since` of the next rejoin
        std::optional<qint64> delivered; // the last offset delivered (duplicates are dropped)
        bool joined = false;
        bool joining = false;
        QList<QPointer<PendingReply>> waiters;
    };
    struct Queued
    {
        QJsonObject frame;
        QPointer<PendingReply> reply; // null for send()
    };

    void setState(State state);
    void openSocket();
    void onText(const QString &text);
    void onWelcome(const QJsonObject &payload);
    void onSocketGone(QWebSocket *socket);
    // Ends the current attempt: fails pending requests with `disconnected`, then reconnects or
    // not by `code` (never when `final`).
    void endAttempt(QWebSocket *socket, int code, const QString &reason, bool final = false);
    // Closes (or aborts) a socket this client no longer listens to, and deletes it when done.
    void retire(QWebSocket *socket, int code, const QString &reason);
    void scheduleReconnect(int code);
    void becomeConnected();
    void onAck(const QJsonObject &frame);
    bool isDuplicate(const QJsonObject &frame); // and remembers the room's offset
    void sendJoin(const QString &room, bool rejoin);
    void onJoinReply(const QString &room, std::optional<qint64> since, const Reply &reply);
    void forgetRoom(const QString &room, const Reply &why);
    void transmit(const QJsonObject &frame, PendingReply *reply);
    PendingReply *newReply(const QString &event, int timeoutMs);
    void failPending(const QString &code, const QString &message);
    void failQueue(const QString &code, const QString &message);
    bool shouldReconnect(int code) const;
    QString currentToken();

    ClientOptions m_options;
    TokenProvider m_tokenProvider;
    QUrl m_url;
    QNetworkRequest m_request; // the handshake of every attempt: m_url and the caller's headers
    QString m_token;
    State m_state = Disconnected;
    QPointer<QWebSocket> m_socket;
    quint64 m_generation = 0; // bumped by every attempt and by close(): stale callbacks compare it
    bool m_welcomed = false;
    bool m_closeFrameSeen = false;
    bool m_everConnected = false;
    int m_handshakeStatus = 0; // the HTTP status of a refused handshake
    int m_attempt = 0;
    int m_pendingRejoins = 0;
    QTimer m_reconnectTimer;
    QTimer m_connectTimer;
    QString m_socketId;
    QJsonObject m_welcome;
    int m_lastCloseCode = -1;
    QString m_lastCloseReason;
    qint64 m_nextId = 1;
    QHash<qint64, QPointer<PendingReply>> m_pending; // id → request waiting for its ack
    QList<Queued> m_queue; // waiting for Connected
    QHash<QString, Room> m_rooms;
    QStringList m_roomOrder; // join order, for rooms()
};

} // namespace cortado
