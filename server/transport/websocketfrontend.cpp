#include "websocketfrontend.h"

#include <QDateTime>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSslSocket>
#include <QTcpSocket>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

using namespace Qt::StringLiterals;

namespace cortado {

namespace closecode = websocket::closecode;
using websocket::DecodedFrame;

// Frames go straight into the socket while its buffer is below this; beyond it they wait in our
// own queue, which can be dropped (a slow consumer's) and lets a close frame jump ahead.
static qint64 socketHighWater(qint64 maxQueuedBytes)
{
    return qBound(qint64(4096), maxQueuedBytes / 4, qint64(64 * 1024));
}

WebSocketConnection::WebSocketConnection(std::unique_ptr<Stream> stream, const QString &peerAddress,
                                         const QByteArray &buffered, const Router::WebSocketEntry &route,
                                         QVariantMap data, WebSocketFrontend &frontend)
    : m_stream(std::move(stream)),
      m_frontend(frontend),
      m_route(route),
      m_decoder(websocket::DecoderLimits{frontend.limits().maxMessageSize, frontend.limits().maxFragments})
{
    setParent(&frontend);
    m_stream->setListener(this, this);
    if (auto *qtStream = dynamic_cast<QtSocketStream *>(m_stream.get()))
        qtStream->start();
    m_frontend.m_connections.insert(this);
    m_decoder.append(buffered); // frames the client sent right behind its handshake

    m_session = &m_frontend.m_hub.attach(route.path.pattern(), peerAddress, std::move(data), this);

    const qint64 maxMessageSize = m_frontend.limits().maxMessageSize;
    m_frontend.m_hub.sendFrame(*m_session, protocol::events::Welcome,
                               protocol::encodeEvent(protocol::events::Welcome,
                                                     QJsonObject{{u"socketId"_s, m_session->id()},
                                                                 {u"route"_s, m_session->route()},
                                                                 {u"protocol"_s, protocol::Version},
                                                                 {u"maxMessageSize"_s, maxMessageSize},
                                                                 {u"serverTime"_s,
                                                                  QDateTime::currentMSecsSinceEpoch()}}));
    m_frontend.runHooks(m_route.route.connectHooks(), *m_session);
    if (!buffered.isEmpty())
        QMetaObject::invokeMethod(this, &WebSocketConnection::processInput, Qt::QueuedConnection);
}

WebSocketConnection::~WebSocketConnection()
{
    m_frontend.m_connections.remove(this);
    if (!m_detached) // destroyed without a disconnect (server teardown): leave the hub consistent
        onDisconnected();
}

void WebSocketConnection::streamReadable()
{
    if (!m_paused)
        processInput();
}

void WebSocketConnection::streamWritten()
{
    // Called for every flush: only a backlog, a pong or a back-pressure pause has work here.
    if (m_queue.isEmpty() && !m_pendingPong && !(m_paused & Backpressure))
        return;
    flushQueue();
}

void WebSocketConnection::streamClosed()
{
    onDisconnected();
}

bool WebSocketConnection::isOpen() const
{
    return !m_detached && m_stream->isConnected();
}

qint64 WebSocketConnection::queuedBytes() const
{
    return m_stream->bytesToWrite() + m_queueBytes + (m_pendingPong ? m_pendingPong->size() : 0);
}

void WebSocketConnection::sendText(const QByteArray &utf8)
{
    if (m_closeSent || m_closeReceived || !isOpen()) // RFC 6455 5.5.1: no data after a close frame
        return;
    write(m_frontend.frameText(utf8));
    if (queuedBytes() > m_frontend.limits().maxQueuedBytes) {
        qCInfo(lcTransport) << "socket" << (m_session ? m_session->id() : QString()) << "read too slowly:" << queuedBytes()
                            << "bytes queued; closing with 4101";
        close(protocol::close::SlowConsumer, u"slow consumer"_s);
        return;
    }
    updateBackpressure();
}

void WebSocketConnection::write(const QByteArray &frame)
{
    if (m_queue.isEmpty() && m_stream->bytesToWrite() < socketHighWater(m_frontend.limits().maxQueuedBytes)) {
        m_stream->write(frame);
        return;
    }
    m_queue.append(frame);
    m_queueBytes += frame.size();
}

void WebSocketConnection::flushQueue()
{
    const qint64 highWater = socketHighWater(m_frontend.limits().maxQueuedBytes);
    if (m_pendingPong && m_stream->bytesToWrite() < highWater)
        sendPong();
    // While the kernel's buffers are full, bytes leave only as the client acknowledges them.
    if (m_paused & Backpressure)
        m_drainedSinceSweep = true;
    while (!m_queue.isEmpty() && m_stream->bytesToWrite() < highWater) {
        const QByteArray frame = m_queue.takeFirst();
        m_queueBytes -= frame.size();
        m_stream->write(frame);
    }
    updateBackpressure();
}

void WebSocketConnection::sendPong()
{
    // A pong may go between two queued frames, ahead of the queue: control frames may
    // interleave with whole data frames.
    if (m_stream->bytesToWrite() < socketHighWater(m_frontend.limits().maxQueuedBytes))
        m_stream->write(websocket::encodeFrame(websocket::Opcode::Pong, *std::exchange(m_pendingPong, std::nullopt)));
}

void WebSocketConnection::dropQueue()
{
    m_queue.clear();
    m_queueBytes = 0;
    m_pendingPong.reset();
}

void WebSocketConnection::close(int code, const QString &reason)
{
    if (m_closeSent || !isOpen())
        return;
    // From here on the socket's data frames are ignored: the client is told to go, so nothing it
    // sends now is acknowledged (and so nothing it sends now may be expected to be kept).
    m_closeSent = true;
    m_closeCode = code;
    m_pendingPong.reset();
    // A slow consumer's backlog is what we are closing it for: drop it, so the close frame comes
    // right behind what the socket already holds (at most the high-water mark).
    if (code == protocol::close::SlowConsumer)
        dropQueue();
    write(websocket::encodeClose(code, reason));
    // The client's close frame must be read even while reading was paused.
    m_paused = 0;
    QMetaObject::invokeMethod(this, &WebSocketConnection::processInput, Qt::QueuedConnection);
    startCloseTimer();
}

void WebSocketConnection::startCloseTimer()
{
    QTimer::singleShot(m_frontend.limits().closeTimeoutMs, this, [this] {
        if (!m_detached)
            m_stream->abort(); // no close frame (or no reading) in time: drop TCP
    });
}

void WebSocketConnection::fail(int code, const QString &reason)
{
    qCDebug(lcTransport) << "socket" << (m_session ? m_session->id() : QString()) << "closed with"
                         << code << reason;
    if (!m_closeSent)
        dropQueue(); // a client that broke the protocol gets its close frame next
    close(code, reason);
    m_closeReceived = true; // read nothing more; RFC 6455 7.1.7: close the connection
    finishClose();
}

void WebSocketConnection::finishClose()
{
    // The server closes TCP first (RFC 6455 7.1.1), once the close frame is written; a client
    // that does not read it is dropped by the close timer.
    if (!m_stream->isConnected())
        return;
    for (const QByteArray &frame : std::as_const(m_queue))
        m_stream->write(frame); // the close frame may still be in our queue
    m_queue.clear();
    m_queueBytes = 0;
    m_stream->closeAfterWriting();
}

void WebSocketConnection::processInput()
{
    while (isOpen() && !m_paused && !m_closeReceived) {
        DecodedFrame frame = m_decoder.next();
        if (frame.kind == DecodedFrame::Kind::NeedMore) {
            if (m_decoder.inFragmentedMessage() && m_fragmentStartMs < 0)
                m_fragmentStartMs = m_frontend.now();
            if (m_fragmentStartMs >= 0
                && m_frontend.now() - m_fragmentStartMs > m_frontend.limits().fragmentTimeoutMs) {
                fail(closecode::PolicyViolation, u"message not finished in time"_s);
                return;
            }
            const QByteArrayView bytes = m_stream->read();
            if (bytes.isEmpty())
                return;
            m_decoder.append(bytes);
            continue;
        }
        handle(frame);
    }
}

void WebSocketConnection::handle(DecodedFrame &frame)
{
    using Kind = DecodedFrame::Kind;
    m_heardSinceSweep = true;
    m_pingOutstanding = false;
    switch (frame.kind) {
    case Kind::NeedMore:
        return;
    case Kind::Text:
    case Kind::Binary:
        if (m_fragmentStartMs >= 0
            && m_frontend.now() - m_fragmentStartMs > m_frontend.limits().fragmentTimeoutMs) {
            fail(closecode::PolicyViolation, u"message not finished in time"_s);
            return;
        }
        m_fragmentStartMs = -1;
        if (m_closeSent)
            return;
        if (frame.kind == Kind::Text)
            m_frontend.m_dispatcher.dispatchText(*m_session, m_route.route, frame.payload);
        else
            m_frontend.m_dispatcher.dispatchBinary(*m_session);
        return;
    case Kind::Ping: {
        const qint64 now = m_frontend.now();
        if (now - m_pingWindowStartMs >= 1000) {
            m_pingWindowStartMs = now;
            m_pingsInWindow = 0;
        }
        if (++m_pingsInWindow > m_frontend.limits().maxPingsPerSecond) {
            fail(closecode::PolicyViolation, u"too many pings"_s);
            return;
        }
        if (m_closeSent)
            return;
        m_pendingPong = std::move(frame.payload);
        sendPong();
        return;
    }
    case Kind::Pong:
        return;
    case Kind::Close:
        m_closeReceived = true;
        if (!m_closeSent) { // the client started the close: echo its code
            m_closeCode = frame.code;
            m_closeSent = true;
            dropQueue(); // it is leaving: what it did not get yet no longer matters
            write(frame.code == closecode::NoStatus ? websocket::encodeFrame(websocket::Opcode::Close, {})
                                                    : websocket::encodeClose(frame.code, {}));
            startCloseTimer();
        }
        finishClose();
        return;
    case Kind::Error:
        fail(frame.code, frame.reason);
        return;
    }
}

void WebSocketConnection::setPaused(PauseReason reason, bool paused)
{
    const bool wasPaused = m_paused;
    m_paused = paused ? (m_paused | reason) : (m_paused & ~reason);
    if (wasPaused && !m_paused) // data may have waited in Qt's buffer or the decoder
        QMetaObject::invokeMethod(this, &WebSocketConnection::processInput, Qt::QueuedConnection);
}

void WebSocketConnection::pauseReading()
{
    setPaused(Application, true);
}

void WebSocketConnection::resumeReading()
{
    setPaused(Application, false);
}

void WebSocketConnection::updateBackpressure()
{
    if (m_closeSent)
        return; // a closing socket is read until the client's close frame arrives
    // Stop reading above half the limit, read again below a quarter (not flapping at the line).
    const qint64 queued = queuedBytes();
    const qint64 limit = m_frontend.limits().maxQueuedBytes;
    if (!(m_paused & Backpressure) && queued > limit / 2)
        setPaused(Backpressure, true);
    else if ((m_paused & Backpressure) && queued <= limit / 4)
        setPaused(Backpressure, false);
}

void WebSocketConnection::heartbeat(qint64 now)
{
    if (!isOpen() || m_closeSent)
        return;
    // A message left unfinished by a client that then went quiet is caught here.
    if (m_fragmentStartMs >= 0 && now - m_fragmentStartMs > m_frontend.limits().fragmentTimeoutMs) {
        fail(closecode::PolicyViolation, u"message not finished in time"_s);
        return;
    }
    // Its frames are not being read, so its silence says nothing: a socket paused by its owner is
    // left alone, one paused by its own backlog counts as alive while that backlog drains.
    if (m_paused & Application)
        return;
    if ((m_paused & Backpressure) && std::exchange(m_drainedSinceSweep, false)) {
        m_pingOutstanding = false;
        return;
    }
    if (std::exchange(m_heardSinceSweep, false)) {
        m_pingOutstanding = false;
        return;
    }
    if (m_pingOutstanding) {
        qCInfo(lcTransport) << "socket" << (m_session ? m_session->id() : QString()) << "did not answer a ping; closing with 4103";
        close(protocol::close::NoHeartbeat, u"no heartbeat"_s);
        return;
    }
    m_pingOutstanding = true;
    write(websocket::encodeFrame(websocket::Opcode::Ping, {}));
}

void WebSocketConnection::onDisconnected()
{
    if (std::exchange(m_detached, true))
        return;
    Session *session = std::exchange(m_session, nullptr);
    m_frontend.runHooks(m_route.route.disconnectHooks(), *session);
    // Ours when we closed, the client's when it did, 1006 when TCP ended without a close frame.
    m_frontend.m_hub.detach(session->id(), m_closeCode);
    m_frontend.m_connections.remove(this);
    dropQueue();
    deleteLater();
}

WebSocketFrontend::WebSocketFrontend(const Router &router, Hub &hub, WebSocketLimits limits, QObject *parent)
    : QObject(parent), m_router(router), m_hub(hub), m_realtime(hub, router), m_dispatcher(router, hub),
      m_limits(limits)
{
    m_clock.start();
    if (m_limits.pingIntervalMs > 0) {
        connect(&m_heartbeat, &QTimer::timeout, this, &WebSocketFrontend::sweep);
        m_heartbeat.start(m_limits.pingIntervalMs);
    }
    connect(&m_hub, &Hub::roomClosed, this, &WebSocketFrontend::onRoomClosed);
    // Direct: the hooks run inside the join, before room:join's ack goes out.
    connect(&m_hub, &Hub::joined, this, &WebSocketFrontend::onJoined);
}

WebSocketFrontend::~WebSocketFrontend()
{
    // Connections detach from the hub as they go; do it while the dispatcher still exists.
    qDeleteAll(findChildren<WebSocketConnection *>(Qt::FindDirectChildrenOnly));
}

QByteArray WebSocketFrontend::frameText(const QByteArray &utf8)
{
    // Same buffer (we hold a reference, so its address cannot have been reused) and same size.
    const auto *data = const_cast<QByteArray &>(utf8).data_ptr().d_ptr(); // null: raw data, not ours to hold
    if (data && data == m_lastText.data_ptr().d_ptr() && utf8.constData() == m_lastText.constData()
        && utf8.size() == m_lastText.size())
        return m_lastFrame;
    m_lastFrame = websocket::encodeText(utf8);
    m_lastText = data ? utf8 : QByteArray();
    return m_lastFrame;
}

WebSocketConnection *WebSocketFrontend::connection(const SocketId &id) const
{
    for (WebSocketConnection *connection : m_connections) {
        if (connection->m_session && connection->m_session->id() == id)
            return connection;
    }
    return nullptr;
}

void WebSocketFrontend::sweep()
{
    const qint64 time = now();
    // close() may drop a connection synchronously; walk a copy.
    const QList<WebSocketConnection *> connections = m_connections.values();
    for (WebSocketConnection *connection : connections) {
        if (m_connections.contains(connection))
            connection->heartbeat(time);
    }
}

// Answers a refused handshake with a JSON error and closes once written (426 also names the
// version we speak, as RFC 6455 4.4 asks).
static void refuseHandshake(QTcpSocket *socket, const Error &error)
{
    if (error.status != 426) {
        Gateway::refuse(socket, error);
        return;
    }
    HttpResponse response = HttpResponse::error(error);
    response.headers.append(qMakePair(QByteArray("Sec-WebSocket-Version"), QByteArray("13")));
    QObject::disconnect(socket, nullptr, nullptr, nullptr);
    socket->write(response.serialize(true));
    QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->disconnectFromHost();
    QTimer::singleShot(5000, socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
}

void WebSocketFrontend::handleUpgrade(QTcpSocket *socket, const RequestHead &head)
{
    // Protocol first: a malformed handshake costs no route lookup or middleware (token checks).
    websocket::Handshake handshake;
    if (head.method != "GET") {
        refuseHandshake(socket, Error::badRequest(QString(protocol::errors::BadRequest),
                                                  u"a WebSocket handshake must be a GET"_s));
        return;
    }
    if (std::optional<Error> error = websocket::checkHandshake(head.headers, &handshake)) {
        refuseHandshake(socket, *error);
        return;
    }

    Request request = head.toRequest(socket->peerAddress().toString());
    Router::WebSocketMatch match = m_router.matchWebSocket(request.path);
    if (!match.entry) {
        Gateway::refuse(socket, Error::notFound(u"no WebSocket route at %1"_s.arg(request.path)));
        return;
    }
    request.params = std::move(match.params);
    Context context(std::move(request), m_realtime);
    if (std::optional<Error> error = m_router.runMiddleware(context, match.entry->route.connectMiddleware())) {
        Gateway::refuse(socket, *error); // before the handshake: no socket, no session
        return;
    }

    // What the handshake looked like, for operators (the admin console); never the token.
    QUrlQuery query = context.request().query;
    query.removeAllQueryItems(u"token"_s);
    context.data.insert(u"handshake"_s, QVariantMap{{u"path"_s, context.request().path},
                                                    {u"query"_s, query.toString()},
                                                    {u"userAgent"_s, QString::fromUtf8(context.request().header("user-agent"))},
                                                    {u"origin"_s, QString::fromUtf8(context.request().header("origin"))}});

    // The gateway only peeked at the head: consume it now; anything behind it is already frames.
    QByteArray buffered = socket->readAll();
    const qsizetype headEnd = buffered.indexOf("\r\n\r\n");
    buffered.remove(0, headEnd < 0 ? buffered.size() : headEnd + 4);
    const QString peerAddress = socket->peerAddress().toString();
    // The address stays counted (Gateway's per-address limit) as long as the connection lives.
    std::unique_ptr<QObject> addressSlot(Gateway::takeAddressSlot(socket));
    std::unique_ptr<Stream> stream = takeStream(socket);
    if (!stream)
        return;
    stream->write(handshake.response());
    auto *connection = new WebSocketConnection(std::move(stream), peerAddress, buffered, *match.entry,
                                               std::move(context.data), *this);
    if (addressSlot)
        addressSlot.release()->setParent(connection);
}

std::unique_ptr<Stream> WebSocketFrontend::takeStream(QTcpSocket *socket)
{
    QObject::disconnect(socket, nullptr, nullptr, nullptr);
    if (qobject_cast<QSslSocket *>(socket) || !m_poller.isValid()) {
        auto stream = std::make_unique<QtSocketStream>(socket);
        socket->setParent(nullptr); // the stream owns it now
        return stream;
    }
    // Plain TCP: keep the descriptor, let Qt's socket go (it closes only its own copy).
    const int descriptor = ::fcntl(int(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (descriptor < 0) {
        qCWarning(lcTransport) << "cannot take over a socket:" << qt_error_string(errno);
        socket->abort();
        socket->deleteLater();
        return nullptr;
    }
    const int one = 1;
    // Nagle would hold a small answer back until the client's delayed ACK; we gather writes per
    // event-loop pass ourselves.
    ::setsockopt(descriptor, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto stream = std::make_unique<TcpStream>(m_poller, descriptor);
    // abort() closes Qt's descriptor and notifiers now (no shutdown(): the connection lives on in
    // ours); deleting waits, since we are inside the socket's own readyRead.
    socket->abort();
    socket->deleteLater();
    if (!stream->isRegistered())
        return nullptr;
    return stream;
}

void WebSocketFrontend::onRoomClosed(const QString &route, const QString &room)
{
    if (const Router::WebSocketEntry *entry = m_router.webSocketRoute(route)) {
        for (const RoomClosedHook &hook : entry->route.roomClosedHooks())
            hook(m_realtime, room);
    }
}

void WebSocketFrontend::onJoined(const Session &session, const QString &room)
{
    const Router::WebSocketEntry *entry = m_router.webSocketRoute(session.route());
    if (!entry || entry->route.joinHooks().isEmpty())
        return;
    if (Session *member = m_hub.session(session.id())) // the hub's own, mutable session
        runHooks(entry->route.joinHooks(), *member, room);
}

void WebSocketFrontend::runHooks(const QList<SocketHook> &hooks, Session &session, std::optional<QString> room)
{
    for (const SocketHook &hook : hooks) {
        SocketContext context(session, m_realtime, room);
        hook(context);
    }
}

} // namespace cortado
