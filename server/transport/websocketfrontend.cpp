#include "websocketfrontend.h"

#include <QDateTime>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTcpSocket>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

using namespace Qt::StringLiterals;

namespace cortado {

static QString peerKey(const QHostAddress &address, quint16 port)
{
    return address.toString() + u'|' + QString::number(port);
}

WebSocketConnection::WebSocketConnection(QWebSocket *socket, const Router::WebSocketEntry &route,
                                         Hub &hub, EventDispatcher &dispatcher, QVariantMap data,
                                         qint64 maxMessageSize)
    : m_socket(socket), m_route(route), m_hub(hub), m_dispatcher(dispatcher)
{
    m_socket->setParent(this);
    m_socket->setMaxAllowedIncomingMessageSize(quint64(maxMessageSize));
    m_socket->setMaxAllowedIncomingFrameSize(quint64(maxMessageSize));

    m_session = &m_hub.attach(route.path.pattern(), socket->peerAddress().toString(),
                              std::move(data), this);
    connect(m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        if (m_session && !m_closing)
            m_dispatcher.dispatchText(*m_session, m_route.route, text.toUtf8());
    });
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, [this] {
        if (m_session && !m_closing)
            m_dispatcher.dispatchBinary(*m_session);
    });
    connect(m_socket, &QWebSocket::disconnected, this, &WebSocketConnection::onDisconnected);

    m_hub.sendFrame(*m_session, protocol::events::Welcome,
                    protocol::encodeEvent(protocol::events::Welcome,
                                          QJsonObject{{u"socketId"_s, m_session->id()},
                                                      {u"route"_s, m_session->route()},
                                                      {u"protocol"_s, protocol::Version},
                                                      {u"maxMessageSize"_s, maxMessageSize},
                                                      {u"serverTime"_s,
                                                       QDateTime::currentMSecsSinceEpoch()}}));
    if (m_route.route.connectHook())
        m_route.route.connectHook()(*m_session, m_hub);
}

WebSocketConnection::~WebSocketConnection()
{
    if (m_session) // destroyed without a disconnect (server teardown): leave the hub consistent
        onDisconnected();
}

void WebSocketConnection::sendText(const QString &frame)
{
    if (!m_closing) // RFC 6455 5.5.1: no data frames after our close frame
        m_socket->sendTextMessage(frame);
}

void WebSocketConnection::close(int code, const QString &reason)
{
    // From here on the socket's frames are ignored: the client is told to go, so nothing it sends
    // now is acknowledged (and so nothing it sends now may be expected to be kept).
    m_closing = true;
    m_socket->close(QWebSocketProtocol::CloseCode(code), reason);
}

void WebSocketConnection::onDisconnected()
{
    if (!m_session)
        return;
    Session *session = std::exchange(m_session, nullptr);
    if (m_route.route.disconnectHook())
        m_route.route.disconnectHook()(*session, m_hub);
    m_hub.detach(session->id(), m_socket->closeCode());
    deleteLater();
}

WebSocketFrontend::WebSocketFrontend(const Router &router, Hub &hub, Presence *presence,
                                     WebSocketLimits limits, QObject *parent)
    : QObject(parent),
      m_router(router),
      m_hub(hub),
      m_dispatcher(router, hub, presence),
      m_limits(limits),
      m_server(u"cortado"_s, QWebSocketServer::NonSecureMode)
{
    // Echoed when a client offers it; browsers refuse a connection whose offered subprotocol
    // is not echoed, which QHttpServer's built-in WebSocket server never does.
    m_server.setSupportedSubprotocols({u"cortado.v1"_s});
    m_server.setHandshakeTimeout(m_limits.handshakeTimeoutMs);
    connect(&m_server, &QWebSocketServer::newConnection, this, &WebSocketFrontend::onNewConnection);
    connect(&m_hub, &Hub::roomClosed, this, &WebSocketFrontend::onRoomClosed);
}

WebSocketFrontend::~WebSocketFrontend()
{
    // Connections detach from the hub as they go; do it while the dispatcher still exists.
    qDeleteAll(findChildren<WebSocketConnection *>(Qt::FindDirectChildrenOnly));
}

void WebSocketFrontend::handleUpgrade(QTcpSocket *socket, const RequestHead &head)
{
    Request request = head.toRequest(socket->peerAddress().toString());
    Router::WebSocketMatch match = m_router.matchWebSocket(request.path);
    if (!match.entry) {
        Gateway::refuse(socket, Error::notFound(u"no WebSocket route at %1"_s.arg(request.path)));
        return;
    }
    request.params = std::move(match.params);
    Context context(std::move(request), m_hub, m_router.services());
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
    const QString key = peerKey(socket->peerAddress(), socket->peerPort());
    m_pending.insert(key, PendingHandshake{socket, match.entry, std::move(context.data)});
    // A handshake that fails (bad key, timeout) destroys the socket: forget it then.
    connect(socket, &QObject::destroyed, this, [this, key, socket] {
        const auto it = m_pending.constFind(key);
        if (it != m_pending.cend() && it->socket == socket)
            m_pending.erase(it);
    });
    m_server.handleConnection(socket);
}

void WebSocketFrontend::onNewConnection()
{
    while (QWebSocket *socket = m_server.nextPendingConnection()) {
        const auto pending = m_pending.find(peerKey(socket->peerAddress(), socket->peerPort()));
        if (pending == m_pending.end()) {
            qCWarning(lcTransport) << "handshake completed for an unknown peer; closing";
            socket->close(QWebSocketProtocol::CloseCodeAbnormalDisconnection);
            socket->deleteLater();
            continue;
        }
        PendingHandshake handshake = std::move(*pending);
        m_pending.erase(pending);
        auto *connection = new WebSocketConnection(socket, *handshake.route, m_hub, m_dispatcher,
                                                   std::move(handshake.data), m_limits.maxMessageSize);
        connection->setParent(this);
    }
}

void WebSocketFrontend::onRoomClosed(const QString &route, const QString &room)
{
    for (const auto &entry : m_router.webSocketRoutes()) {
        if (entry->path.pattern() == route && entry->route.roomClosedHook())
            entry->route.roomClosedHook()(room);
    }
}

} // namespace cortado
