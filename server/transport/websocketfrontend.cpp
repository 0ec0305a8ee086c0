#include "websocketfrontend.h"

#include "metrics/traffic.h"

#include "transport/websocketconnection.h"

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

void SocketLink::sendText(const QByteArray &utf8)
{
    if (m_loop.isHubThread()) {
        if (m_connection)
            m_connection->sendText(utf8);
        return;
    }
    m_loop.post(LoopCommand(LoopCommand::Text, this, utf8));
}

void SocketLink::close(int code, const QString &reason)
{
    LoopCommand command(LoopCommand::Close, this);
    command.code = code;
    command.reason = reason;
    m_loop.post(std::move(command));
}

qint64 SocketLink::queuedBytes() const
{
    if (m_loop.isHubThread())
        return m_connection ? m_connection->queuedBytes() : 0;
    return m_queuedBytes.load(std::memory_order_relaxed);
}

WebSocketFrontend::WebSocketFrontend(const Router &router, Hub &hub, WebSocketLimits limits, int ioThreads,
                                     QObject *parent)
    : QObject(parent), m_router(router), m_hub(hub), m_realtime(hub, router), m_dispatcher(router, hub),
      m_limits(limits)
{
    m_hubLoop = std::make_unique<IoLoop>(0, m_limits, *this);
    m_loops.push_back(m_hubLoop.get());
    for (int index = 1; index < ioThreads; ++index) {
        m_threads.push_back(std::make_unique<IoThread>(index, m_limits, *this));
        m_loops.push_back(&m_threads.back()->loop());
    }
    connect(&m_hub, &Hub::roomClosed, this, &WebSocketFrontend::onRoomClosed);
    // Direct: the hooks run inside the join, before room:join's ack goes out.
    connect(&m_hub, &Hub::joined, this, &WebSocketFrontend::onJoined);
}

WebSocketFrontend::~WebSocketFrontend()
{
    // Sessions detach from the hub (disconnect hooks run) while the dispatcher still exists.
    for (SocketLink *link : std::as_const(m_links)) {
        if (Session *session = std::exchange(link->m_session, nullptr)) {
            runHooks(link->m_route.route.disconnectHooks(), *session);
            m_hub.detach(session->id(), closecode::Abnormal);
        }
    }
    m_threads.clear(); // each closes its sockets and joins
    m_hubLoop.reset();
    qDeleteAll(m_links);
}

IoLoop &WebSocketFrontend::nextLoop()
{
    IoLoop *loop = m_loops[size_t(m_nextLoop)];
    m_nextLoop = (m_nextLoop + 1) % int(m_loops.size());
    return *loop;
}

QList<int> WebSocketFrontend::connectionsPerLoop() const
{
    QList<int> counts;
    for (const IoLoop *loop : m_loops)
        counts.append(loop->connectionCount());
    return counts;
}

SocketLink *WebSocketFrontend::link(const SocketId &id) const
{
    for (SocketLink *link : m_links) {
        if (link->m_session && link->m_session->id() == id)
            return link;
    }
    return nullptr;
}

bool WebSocketFrontend::setReadingPaused(const SocketId &id, bool paused)
{
    SocketLink *link = this->link(id);
    if (!link)
        return false;
    link->m_readingPaused = paused;
    link->m_loop.post(LoopCommand(paused ? LoopCommand::Pause : LoopCommand::Resume, link));
    return true;
}

bool WebSocketFrontend::isReadingPaused(const SocketId &id) const
{
    const SocketLink *link = this->link(id);
    return link && link->m_readingPaused;
}

void WebSocketFrontend::onReport(LoopReport &report)
{
    SocketLink *link = report.link;
    switch (report.kind) {
    case LoopReport::Text:
    case LoopReport::Binary: {
        const qint64 cost = SocketLink::messageCost(report.payload);
        if (link->m_session) {
            if (report.kind == LoopReport::Text)
                m_dispatcher.dispatchText(*link->m_session, link->m_route.route, report.payload);
            else
                m_dispatcher.dispatchBinary(*link->m_session);
        }
        if (!link->m_loop.isHubThread()) {
            // Subtract first, then answer the loop's ask (WebSocketConnection::reportMessage()).
            const qint64 left = link->m_inFlightBytes.fetch_sub(cost) - cost;
            if (left <= SocketLink::maxInFlightBytes(m_limits) / 2 && link->m_wantsDrained.exchange(false))
                link->m_loop.post(LoopCommand(LoopCommand::Drained, link));
        }
        return;
    }
    case LoopReport::Ended:
        if (Session *session = std::exchange(link->m_session, nullptr)) {
            runHooks(link->m_route.route.disconnectHooks(), *session);
            m_hub.detach(session->id(), report.code);
        }
        link->m_loop.post(LoopCommand(LoopCommand::Release, link));
        return;
    case LoopReport::Released:
        m_links.remove(link);
        delete link;
        return;
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
    const auto refuse = [this, socket](const Error &error) {
        if (metrics::TrafficMetrics *metrics = m_hub.metrics())
            metrics->refusedHandshake(error.status, error.code);
        refuseHandshake(socket, error);
    };
    // Protocol first: a malformed handshake costs no route lookup or middleware (token checks).
    websocket::Handshake handshake;
    if (head.method != "GET") {
        refuse(Error::badRequest(QString(protocol::errors::BadRequest), u"a WebSocket handshake must be a GET"_s));
        return;
    }
    if (std::optional<Error> error = websocket::checkHandshake(head.headers, &handshake)) {
        refuse(*error);
        return;
    }

    Request request = head.toRequest(socket->peerAddress().toString());
    Router::WebSocketMatch match = m_router.matchWebSocket(request.path);
    if (!match.entry) {
        refuse(Error::notFound(u"no WebSocket route at %1"_s.arg(request.path)));
        return;
    }
    request.params = std::move(match.params);
    Context context(std::move(request), m_realtime);
    if (std::optional<Error> error = m_router.runMiddleware(context, match.entry->route.connectMiddleware())) {
        refuse(*error); // before the handshake: no socket, no session
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
    // The address stays counted (Gateway's per-address limit) as long as the socket's link lives.
    std::unique_ptr<QObject> addressSlot(Gateway::takeAddressSlot(socket));
    int descriptor = -1;
    std::unique_ptr<Stream> stream;
    if (!takeSocket(socket, &descriptor, &stream))
        return;

    // TLS stays on the hub's thread, where Qt's socket lives; a bare descriptor goes anywhere.
    IoLoop &loop = stream ? *m_hubLoop : nextLoop();
    auto *link = new SocketLink(*this, loop, *match.entry);
    link->m_addressSlot = std::move(addressSlot);
    m_links.insert(link);
    Session &session = m_hub.attach(match.entry->path.pattern(), peerAddress, std::move(context.data), link);
    link->m_session = &session;
    // The 101 first: the loop writes it before anything sent to the session below.
    if (stream) {
        stream->write(handshake.response());
        new WebSocketConnection(loop, std::move(stream), link, session.id(), buffered);
    } else {
        LoopCommand adopt(LoopCommand::Adopt, link, handshake.response());
        adopt.buffered = buffered;
        adopt.code = descriptor;
        adopt.reason = session.id();
        loop.post(std::move(adopt));
    }

    const qint64 maxMessageSize = m_limits.maxMessageSize;
    m_hub.sendFrame(session, protocol::events::Welcome,
                    protocol::encodeEvent(protocol::events::Welcome,
                                          QJsonObject{{u"socketId"_s, session.id()},
                                                      {u"route"_s, session.route()},
                                                      {u"protocol"_s, protocol::Version},
                                                      {u"maxMessageSize"_s, maxMessageSize},
                                                      {u"serverTime"_s, QDateTime::currentMSecsSinceEpoch()}}));
    runHooks(match.entry->route.connectHooks(), session);
}

bool WebSocketFrontend::takeSocket(QTcpSocket *socket, int *descriptor, std::unique_ptr<Stream> *stream)
{
    QObject::disconnect(socket, nullptr, nullptr, nullptr);
    if (qobject_cast<QSslSocket *>(socket)) {
        *stream = std::make_unique<QtSocketStream>(socket);
        socket->setParent(nullptr); // the stream owns it now
        return true;
    }
    // Plain TCP: keep the descriptor, let Qt's socket go. abort() closes Qt's copy and notifiers
    // now (no shutdown(): the connection lives on in ours); deleting waits, since we are inside
    // the socket's own readyRead.
    *descriptor = ::fcntl(int(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    socket->abort();
    socket->deleteLater();
    if (*descriptor < 0) {
        qCWarning(lcTransport) << "cannot take over a socket:" << qt_error_string(errno);
        return false;
    }
    const int one = 1;
    // Nagle would hold a small answer back until the client's delayed ACK; we gather writes per
    // event-loop pass ourselves.
    ::setsockopt(*descriptor, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
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
