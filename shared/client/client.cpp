#include "cortado/client.h"

#include "cortado/protocol.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

#include <algorithm>
#include <utility>

Q_LOGGING_CATEGORY(lcClient, "cortado.client", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado {

namespace {

QString compact(const QJsonObject &frame)
{
    return QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact));
}

QJsonObject makeFrame(const QString &event, const QJsonValue &payload, const QString &room)
{
    QJsonObject frame{{u"event"_s, event}};
    if (!payload.isUndefined())
        frame.insert(u"payload"_s, payload);
    if (!room.isEmpty())
        frame.insert(u"room"_s, room);
    return frame;
}

// A refused handshake reaches QWebSocket 6.4 only as an error string ("... Unhandled http status
// code: 401 (Unauthorized)."): the status is read from it. 0 when the string has none.
int handshakeStatus(const QString &errorString)
{
    static const QRegularExpression pattern(u"status code: (\\d{3})"_s);
    const QRegularExpressionMatch match = pattern.match(errorString);
    return match.hasMatch() ? match.captured(1).toInt() : 0;
}

// What a refused handshake means for reconnecting, as a close code (docs/qt-client.md): the
// protocol reserves 4001 / 4003 for exactly these refusals.
int closeCodeForStatus(int status)
{
    if (status == 401)
        return protocol::close::Unauthorized;
    if (status == 403)
        return protocol::close::Forbidden;
    if (status >= 400 && status < 500 && status != 408 && status != 429)
        return 1002; // 404, 400, 426, 431: retrying cannot help
    return 1006; // 408, 429, 5xx: the server may take us later
}

} // namespace

// ---- Reply

Reply Reply::success(QJsonValue payload)
{
    Reply reply;
    reply.m_ok = true;
    reply.m_payload = std::move(payload);
    reply.m_errorCode.clear();
    return reply;
}

Reply Reply::failure(QString code, QString message, QJsonValue details)
{
    Reply reply;
    reply.m_errorCode = std::move(code);
    reply.m_errorMessage = std::move(message);
    reply.m_errorDetails = std::move(details);
    return reply;
}

Reply Reply::fromAck(const QJsonObject &ack)
{
    if (ack.value("ok"_L1).toBool())
        return success(ack.value("payload"_L1));
    const QJsonObject error = ack.value("error"_L1).toObject();
    return failure(error.value("code"_L1).toString(u"error"_s), error.value("message"_L1).toString(),
                   error.value("details"_L1));
}

QString Reply::toString() const
{
    if (m_ok) {
        const QJsonObject wrapped{{u"payload"_s, m_payload}};
        return u"ok "_s + compact(wrapped);
    }
    return u"error %1: %2"_s.arg(m_errorCode, m_errorMessage);
}

// ---- PendingReply

PendingReply::PendingReply(QString event, QObject *parent) : QObject(parent), m_event(std::move(event))
{
    m_timeout.setSingleShot(true);
}

PendingReply *PendingReply::then(const QObject *context, std::function<void(const Reply &)> callback)
{
    if (m_finished) { // held across the event loop: still call back, from the event loop
        QMetaObject::invokeMethod(const_cast<QObject *>(context), [callback, reply = m_reply] { callback(reply); },
                                  Qt::QueuedConnection);
        return this;
    }
    connect(this, &PendingReply::finished, context, [callback](const Reply &reply) { callback(reply); });
    return this;
}

void PendingReply::finish(const Reply &reply)
{
    if (m_finished)
        return;
    m_finished = true;
    m_timeout.stop();
    m_reply = reply;
    Q_EMIT finished(m_reply);
    deleteLater();
}

void PendingReply::finishLater(const Reply &reply)
{
    m_timeout.stop();
    QMetaObject::invokeMethod(this, [this, reply] { finish(reply); }, Qt::QueuedConnection);
}

// ---- Client

Client::Client(QObject *parent) : Client(ClientOptions{}, parent) { }

Client::Client(const ClientOptions &options, QObject *parent) : QObject(parent), m_options(options)
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, [this] {
        if (m_state == Reconnecting)
            openSocket();
    });
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        if (m_socket)
            endAttempt(m_socket, 1006, u"no welcome within %1 ms"_s.arg(m_options.connectTimeoutMs));
    });
}

Client::~Client()
{
    // The socket (a child) closes in its destructor: its last signals must not reach this half-
    // destroyed client. Pending replies (children too) go without finishing.
    if (m_socket)
        m_socket->disconnect(this);
}

void Client::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

QWebSocket *Client::socket() const
{
    return m_socket;
}

int Client::reconnectRemainingMs() const
{
    return m_state == Reconnecting ? m_reconnectTimer.remainingTime() : -1;
}

QString Client::currentToken()
{
    if (m_tokenProvider)
        m_token = m_tokenProvider();
    return m_token;
}

bool Client::shouldReconnect(int code) const
{
    // 1005 (a close frame without a code) is no answer from the server either way: try again.
    if (protocol::close::shouldReconnect(code) || code == 1005)
        return true;
    if (code == protocol::close::Unauthorized || code == protocol::close::TokenExpired)
        return bool(m_tokenProvider); // only a new token can change the answer
    return false;
}

// ---- connection

void Client::open(const QUrl &url, const QString &token)
{
    open(QNetworkRequest(url), token);
}

void Client::open(const QNetworkRequest &request, const QString &token)
{
    if (m_socket)
        endAttempt(m_socket, 1000, u"open() again"_s, /*final=*/true);
    m_reconnectTimer.stop();
    m_request = request;
    m_url = request.url();
    m_token = token;
    m_attempt = 0;
    openSocket();
}

void Client::openSocket()
{
    ++m_generation;
    m_welcomed = false;
    m_closeFrameSeen = false;
    m_handshakeStatus = 0;
    m_socketId.clear();
    m_welcome = {};
    setState(Connecting);

    // The caller's Sec-WebSocket-Protocol header joins the list instead of going out as a second
    // header next to the one QWebSocket writes for the handshake options.
    QNetworkRequest request = m_request;
    QStringList protocols{u"cortado.v1"_s};
    const QByteArray ownProtocols = request.rawHeader("Sec-WebSocket-Protocol");
    if (!ownProtocols.isEmpty()) {
        request.setRawHeader("Sec-WebSocket-Protocol", QByteArray());
        for (const QByteArray &name : ownProtocols.split(',')) {
            const QString protocol = QString::fromLatin1(name.trimmed());
            if (!protocol.isEmpty() && !protocols.contains(protocol))
                protocols.append(protocol);
        }
    }
    const QString token = currentToken();
    if (!token.isEmpty())
        protocols.append(u"cortado.bearer."_s + token);
    QWebSocketHandshakeOptions handshake;
    handshake.setSubprotocols(protocols);

    auto *socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket = socket;
    connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &text) {
        if (socket == m_socket)
            onText(text);
    });
    connect(socket, &QWebSocket::binaryMessageReceived, this, [this, socket] {
        if (socket == m_socket)
            Q_EMIT errorOccurred(u"bad_frame"_s, u"the server sent a binary frame"_s);
    });
    // QWebSocket calls close() when the server's close frame arrives (before disconnected()); a
    // connection that ends without one was dropped, whatever closeCode() says (it reads 1000).
    connect(socket, &QWebSocket::aboutToClose, this, [this, socket] {
        if (socket == m_socket)
            m_closeFrameSeen = true;
    });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        if (socket == m_socket)
            onSocketGone(socket);
    });
    connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this, socket] {
        if (socket != m_socket)
            return;
        if (const int status = handshakeStatus(socket->errorString()))
            m_handshakeStatus = status;
        // An attempt whose TCP connection never came up gets no disconnected(): end it here.
        QTimer::singleShot(0, socket, [this, socket] {
            if (socket == m_socket && socket->state() == QAbstractSocket::UnconnectedState)
                onSocketGone(socket);
        });
    });
    m_connectTimer.start(m_options.connectTimeoutMs);
    socket->open(request, handshake);
}

void Client::onSocketGone(QWebSocket *socket)
{
    int code = socket->closeCode();
    QString reason = socket->closeReason();
    if (!m_handshakeStatus) // whichever of error() and disconnected() came first
        m_handshakeStatus = handshakeStatus(socket->errorString());
    if (m_handshakeStatus) {
        code = closeCodeForStatus(m_handshakeStatus);
        reason = u"the server refused the connection: HTTP %1"_s.arg(m_handshakeStatus);
    } else if (!m_closeFrameSeen) {
        code = 1006;
    }
    if (reason.isEmpty())
        reason = socket->errorString();
    endAttempt(socket, code, reason);
}

void Client::endAttempt(QWebSocket *socket, int code, const QString &reason, bool final)
{
    m_connectTimer.stop();
    m_socket = nullptr;
    socket->disconnect(this);
    retire(socket, final ? 1000 : 1001, QString());

    m_lastCloseCode = code;
    m_lastCloseReason = reason;
    const bool wasWelcomed = std::exchange(m_welcomed, false);
    m_socketId.clear();
    const quint64 generation = m_generation;
    failPending(u"disconnected"_s, u"the connection closed (%1) before the ack came"_s.arg(code));
    for (Room &room : m_rooms)
        room.joined = false;
    if (final || generation != m_generation)
        return;
    const bool again = m_options.reconnect && shouldReconnect(code);
    qCDebug(lcClient, "connection to %s ended: %d %s (%s)", qUtf8Printable(m_url.toString()), code,
            qUtf8Printable(reason), again ? "reconnecting" : "final");
    if (wasWelcomed)
        Q_EMIT disconnected(code, reason, again);
    if (generation != m_generation) // a slot called open() or close()
        return;
    if (again) {
        scheduleReconnect(code);
        return;
    }
    setState(Disconnected);
    failQueue(u"closed"_s, u"the connection closed with %1 %2"_s.arg(code).arg(reason));
    if (!wasWelcomed && generation == m_generation)
        Q_EMIT disconnected(code, reason, false);
}

void Client::retire(QWebSocket *socket, int code, const QString &reason)
{
    if (socket->state() == QAbstractSocket::ConnectedState) {
        // Let the close handshake finish before the socket goes (the server then sees `code`).
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        socket->close(QWebSocketProtocol::CloseCode(code), reason);
        QTimer::singleShot(5000, socket, &QObject::deleteLater);
    } else {
        socket->abort();
        socket->deleteLater();
    }
}

void Client::scheduleReconnect(int code)
{
    // Exponential backoff with jitter, as cortado.js: a random delay in [d/2, d], d = min·2ⁿ up to
    // max, so that a restarted server is not met by every client at the same instant.
    const qint64 ceiling = std::min<qint64>(m_options.reconnectMaxMs,
                                            qint64(m_options.reconnectMinMs) << std::min(m_attempt, 20));
    const int delayMs = int(ceiling / 2 + QRandomGenerator::global()->bounded(ceiling / 2 + 1));
    ++m_attempt;
    m_reconnectTimer.start(delayMs); // first, so that reconnectRemainingMs() is right in stateChanged
    setState(Reconnecting);
    Q_EMIT reconnecting(m_attempt, delayMs, code);
}

void Client::close(int code, const QString &reason)
{
    ++m_generation;
    m_reconnectTimer.stop();
    m_connectTimer.stop();
    const bool wasWelcomed = std::exchange(m_welcomed, false);
    if (QWebSocket *socket = m_socket) {
        m_socket = nullptr;
        socket->disconnect(this);
        retire(socket, code, reason);
    }
    m_socketId.clear();
    failPending(u"closed"_s, u"the client was closed"_s);
    failQueue(u"closed"_s, u"the client was closed"_s);
    for (Room &room : m_rooms) {
        room.joined = room.joining = false;
        for (const QPointer<PendingReply> &waiter : std::exchange(room.waiters, {})) {
            if (waiter)
                waiter->finishLater(Reply::failure(u"closed"_s, u"the client was closed"_s));
        }
    }
    setState(Disconnected);
    if (wasWelcomed)
        Q_EMIT disconnected(code, reason, false);
}

void Client::onWelcome(const QJsonObject &payload)
{
    m_connectTimer.stop();
    m_welcomed = true;
    m_welcome = payload;
    m_socketId = payload.value("socketId"_L1).toString();
    qCDebug(lcClient, "welcomed as %s, rejoining %d rooms", qUtf8Printable(m_socketId), int(m_roomOrder.size()));
    // Rejoin every remembered room (with since) before anything queued goes out, so the replay
    // comes first; Connected once every rejoin is answered.
    m_pendingRejoins = int(m_roomOrder.size());
    if (m_pendingRejoins == 0) {
        becomeConnected();
        return;
    }
    const QStringList rooms = m_roomOrder;
    for (const QString &room : rooms)
        sendJoin(room, true);
}

void Client::becomeConnected()
{
    m_attempt = 0;
    // The queue goes out before the state says Connected, so that nothing a stateChanged slot
    // sends can overtake it; what a slot queues meanwhile goes out in the same loop.
    const quint64 generation = m_generation;
    while (!m_queue.isEmpty() && m_socket && generation == m_generation) {
        const Queued item = m_queue.takeFirst();
        if (!item.reply) {
            m_socket->sendTextMessage(compact(item.frame));
        } else if (!item.reply->isFinished()) {
            if (m_pending.size() >= m_options.maxPendingRequests)
                item.reply->finish(Reply::failure(u"too_many_requests"_s,
                                                  u"%1 requests already wait for their acks"_s.arg(m_options.maxPendingRequests)));
            else
                transmit(item.frame, item.reply);
        }
    }
    if (!m_socket || generation != m_generation)
        return; // a slot closed or reopened the client
    setState(Connected);
    if (generation != m_generation)
        return;
    const bool reconnected = std::exchange(m_everConnected, true);
    Q_EMIT connected(m_socketId, reconnected);
}

// ---- receiving

void Client::onText(const QString &text)
{
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
    if (!document.isObject()) {
        Q_EMIT errorOccurred(QString(protocol::errors::BadJson), u"the server sent a frame that is not a JSON object"_s);
        return;
    }
    const QJsonObject frame = document.object();
    const quint64 generation = m_generation;
    Q_EMIT frameReceived(frame);
    if (generation != m_generation)
        return; // a slot closed or reopened the client
    const QString name = frame.value("event"_L1).toString();
    if (name == protocol::events::Ack) {
        onAck(frame);
        return;
    }
    if (name == protocol::events::Welcome) {
        onWelcome(frame.value("payload"_L1).toObject());
        return;
    }
    if (isDuplicate(frame))
        return;
    const QJsonValue payload = frame.value("payload"_L1);
    if (name == protocol::events::Error) {
        const QJsonObject error = payload.toObject();
        Q_EMIT errorOccurred(error.value("code"_L1).toString(u"error"_s), error.value("message"_L1).toString());
    } else if (name == "system:token_expiring"_L1 && m_tokenProvider) {
        refreshToken();
    }
    if (generation == m_generation)
        Q_EMIT eventReceived(name, payload, frame.value("room"_L1).toString(), frame);
}

bool Client::isDuplicate(const QJsonObject &frame)
{
    const QJsonValue room = frame.value("room"_L1), offsetValue = frame.value("offset"_L1);
    if (!room.isString() || !offsetValue.isDouble())
        return false;
    const auto it = m_rooms.find(room.toString());
    if (it == m_rooms.end())
        return false;
    // Never deliver an offset twice (a replay overlapping what was already seen).
    const qint64 offset = offsetValue.toInteger();
    if (it->delivered && offset <= *it->delivered)
        return true;
    it->delivered = offset;
    it->offset = std::max(it->offset.value_or(0), offset);
    return false;
}

void Client::onAck(const QJsonObject &frame)
{
    const QJsonValue id = frame.value("id"_L1);
    if (!id.isDouble())
        return; // not one of ours (a raw frame's string id)
    const QPointer<PendingReply> reply = m_pending.take(id.toInteger());
    if (reply)
        reply->finish(Reply::fromAck(frame));
}

// ---- sending

PendingReply *Client::newReply(const QString &event, int timeoutMs)
{
    auto *reply = new PendingReply(event, this);
    if (timeoutMs > 0) {
        connect(&reply->m_timeout, &QTimer::timeout, this, [this, reply] {
            if (reply->m_id && m_pending.value(reply->m_id) == reply)
                m_pending.remove(reply->m_id);
            m_queue.removeIf([reply](const Queued &item) { return item.reply == reply; }); // never sent
            reply->finish(Reply::failure(u"timeout"_s, u"no ack for \"%1\" within %2 ms"_s.arg(
                                                               reply->m_event, QString::number(reply->m_timeout.interval()))));
        });
        reply->m_timeout.start(timeoutMs);
    }
    return reply;
}

void Client::transmit(const QJsonObject &frame, PendingReply *reply)
{
    QJsonObject withId = frame;
    const qint64 id = m_nextId++;
    withId.insert(u"id"_s, id);
    reply->m_id = id;
    m_pending.insert(id, reply);
    m_socket->sendTextMessage(compact(withId));
}

PendingReply *Client::request(const QString &event, const QJsonValue &payload, const QString &room, int timeoutMs)
{
    PendingReply *reply = newReply(event, timeoutMs < 0 ? m_options.requestTimeoutMs : timeoutMs);
    const QJsonObject frame = makeFrame(event, payload, room);
    // Connected without a socket: a connection is ending and its slots are running; queue.
    if (m_state == Disconnected) {
        reply->finishLater(Reply::failure(u"closed"_s, u"the client is not open: call open() first"_s));
    } else if (m_state == Connected && m_socket) {
        if (m_pending.size() >= m_options.maxPendingRequests)
            reply->finishLater(Reply::failure(u"too_many_requests"_s,
                                              u"%1 requests already wait for their acks"_s.arg(m_options.maxPendingRequests)));
        else
            transmit(frame, reply);
    } else if (m_queue.size() >= m_options.queueLimit) {
        reply->finishLater(Reply::failure(u"queue_full"_s,
                                          u"%1 messages already wait for the connection"_s.arg(m_options.queueLimit)));
    } else {
        m_queue.append({frame, reply});
    }
    return reply;
}

bool Client::send(const QString &event, const QJsonValue &payload, const QString &room)
{
    return send(event, payload, room, nullptr);
}

bool Client::send(const QString &event, const QJsonValue &payload, const QString &room, Reply *why)
{
    const QJsonObject frame = makeFrame(event, payload, room);
    if (m_state == Disconnected) {
        if (why)
            *why = Reply::failure(u"closed"_s, u"the client is not open: call open() first"_s);
        return false;
    }
    if (m_state == Connected && m_socket) {
        m_socket->sendTextMessage(compact(frame));
        return true;
    }
    if (m_queue.size() >= m_options.queueLimit) {
        if (why)
            *why = Reply::failure(u"queue_full"_s, u"%1 messages already wait for the connection"_s.arg(m_options.queueLimit));
        return false;
    }
    m_queue.append({frame, nullptr});
    return true;
}

bool Client::sendFrame(const QJsonObject &frame)
{
    return sendText(compact(frame));
}

bool Client::sendText(const QString &text)
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return false;
    m_socket->sendTextMessage(text);
    return true;
}

bool Client::sendBinary(const QByteArray &data)
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return false;
    m_socket->sendBinaryMessage(data);
    return true;
}

void Client::failPending(const QString &code, const QString &message)
{
    const QHash<qint64, QPointer<PendingReply>> pending = std::exchange(m_pending, {});
    for (const QPointer<PendingReply> &reply : pending) {
        if (reply)
            reply->finish(Reply::failure(code, message));
    }
}

void Client::failQueue(const QString &code, const QString &message)
{
    const QList<Queued> queue = std::exchange(m_queue, {});
    for (const Queued &item : queue) {
        if (item.reply)
            item.reply->finish(Reply::failure(code, message));
    }
}

// ---- rooms

PendingReply *Client::join(const QString &room)
{
    auto *waiter = new PendingReply(u"room:join"_s, this);
    if (!m_rooms.contains(room)) {
        if (m_rooms.size() >= protocol::MaxRoomsPerSocket) {
            waiter->finishLater(Reply::failure(QString(protocol::errors::TooManyRooms),
                                               u"the client already remembers %1 rooms"_s.arg(protocol::MaxRoomsPerSocket)));
            return waiter;
        }
        m_rooms.insert(room, Room{});
        m_roomOrder.append(room);
        Q_EMIT roomsChanged();
    }
    Room &entry = m_rooms[room];
    entry.waiters.append(waiter);
    if (!entry.joining && m_welcomed && m_socket)
        sendJoin(room, false);
    return waiter;
}

PendingReply *Client::leave(const QString &room)
{
    const bool wasJoined = m_rooms.contains(room) && m_rooms.value(room).joined;
    forgetRoom(room, Reply::failure(u"left"_s, u"left \"%1\" before it was joined"_s.arg(room)));
    if (wasJoined && m_welcomed && m_socket) { // also while other rooms are being rejoined
        PendingReply *reply = newReply(QString(protocol::events::RoomLeave), m_options.requestTimeoutMs);
        transmit(QJsonObject{{u"event"_s, QString(protocol::events::RoomLeave)}, {u"room"_s, room}}, reply);
        return reply;
    }
    auto *reply = new PendingReply(QString(protocol::events::RoomLeave), this);
    reply->finishLater(Reply::success(QJsonObject{{u"room"_s, room}, {u"left"_s, false}}));
    return reply;
}

QStringList Client::rooms() const
{
    return m_roomOrder;
}

bool Client::isJoined(const QString &room) const
{
    const auto it = m_rooms.constFind(room);
    return it != m_rooms.cend() && it->joined;
}

std::optional<qint64> Client::roomOffset(const QString &room) const
{
    const auto it = m_rooms.constFind(room);
    return it == m_rooms.cend() ? std::nullopt : it->offset;
}

void Client::forgetRoom(const QString &room, const Reply &why)
{
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return;
    const QList<QPointer<PendingReply>> waiters = it->waiters;
    m_rooms.erase(it);
    m_roomOrder.removeOne(room);
    for (const QPointer<PendingReply> &waiter : waiters) {
        if (waiter)
            waiter->finishLater(why);
    }
    Q_EMIT roomsChanged();
}

void Client::sendJoin(const QString &room, bool rejoin)
{
    Room &entry = m_rooms[room];
    entry.joining = true;
    const std::optional<qint64> since = entry.offset;
    QJsonObject frame{{u"event"_s, QString(protocol::events::RoomJoin)}, {u"room"_s, room}};
    if (since)
        frame.insert(u"payload"_s, QJsonObject{{u"since"_s, *since}});

    PendingReply *reply = newReply(QString(protocol::events::RoomJoin), m_options.requestTimeoutMs);
    const quint64 generation = m_generation;
    connect(reply, &PendingReply::finished, this, [this, room, since, rejoin, generation](const Reply &result) {
        onJoinReply(room, since, result);
        if (rejoin && generation == m_generation && m_welcomed && m_state != Connected && --m_pendingRejoins == 0)
            becomeConnected();
    });
    // Sent directly, never queued: rejoining comes before the queued messages.
    transmit(frame, reply);
}

void Client::onJoinReply(const QString &room, std::optional<qint64> since, const Reply &reply)
{
    qCDebug(lcClient, "join %s (since %lld): %s", qUtf8Printable(room), since.value_or(-1), qUtf8Printable(reply.toString()));
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return; // left meanwhile: its waiters already heard
    it->joining = false;
    if (!reply.ok()) {
        if (reply.errorCode() == "disconnected"_L1)
            return; // the waiters stay: joined after the next welcome
        const QList<QPointer<PendingReply>> waiters = std::exchange(it->waiters, {});
        const QString code = reply.errorCode();
        if (code == protocol::errors::Forbidden || code == protocol::errors::Unauthorized || code == protocol::errors::BadRoom)
            forgetRoom(room, reply); // rejoining would be refused again
        for (const QPointer<PendingReply> &waiter : waiters) {
            if (waiter)
                waiter->finish(reply);
        }
        return;
    }
    it->joined = true;
    const QJsonObject ack = reply.payload().toObject();
    const bool lost = ack.value("recovered"_L1) == QJsonValue(false);
    const QJsonValue offset = ack.value("offset"_L1);
    if (offset.isDouble() && (!it->offset || lost))
        it->offset = offset.toInteger(); // nothing seen yet (or a gap): continue from the room's offset
    const QList<QPointer<PendingReply>> waiters = std::exchange(it->waiters, {});
    if (since && lost)
        Q_EMIT gap(room, *since, offset.toInteger());
    for (const QPointer<PendingReply> &waiter : waiters) {
        if (waiter)
            waiter->finish(reply);
    }
}

QMetaObject::Connection Client::on(const QString &name, const QObject *context, EventHandler handler)
{
    return connect(this, &Client::eventReceived, context,
                   [name, handler = std::move(handler)](const QString &event, const QJsonValue &payload,
                                                        const QString &, const QJsonObject &frame) {
                       if (name == event || name == "*"_L1)
                           handler(payload, frame);
                   });
}

PendingReply *Client::refreshToken()
{
    if (!m_tokenProvider) {
        auto *reply = new PendingReply(u"auth:refresh"_s, this);
        reply->finishLater(Reply::failure(u"no_token_source"_s, u"refreshToken() needs a token provider"_s));
        return reply;
    }
    const QString token = currentToken();
    PendingReply *reply = request(u"auth:refresh"_s, QJsonObject{{u"token"_s, token}});
    reply->then(this, [this](const Reply &result) {
        if (result.ok())
            Q_EMIT tokenRefreshed(result.payload().toObject());
        else
            Q_EMIT errorOccurred(result.errorCode(), u"token refresh failed: "_s + result.errorMessage());
    });
    return reply;
}

} // namespace cortado
