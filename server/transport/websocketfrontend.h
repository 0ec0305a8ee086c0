#pragma once

#include "core/connection.h"
#include "routing/dispatcher.h"
#include "routing/router.h"
#include "transport/gateway.h"

#include <QPointer>
#include <QWebSocket>
#include <QWebSocketServer>

namespace cortado {

struct WebSocketLimits
{
    qint64 maxMessageSize = protocol::DefaultMaxMessageSize; // larger frames close with 1009
    int handshakeTimeoutMs = 10'000;
};

// One accepted WebSocket: owns the QWebSocket and feeds its frames to the dispatcher.
class WebSocketConnection : public QObject, public Connection
{
    Q_OBJECT

public:
    WebSocketConnection(QWebSocket *socket, const Router::WebSocketEntry &route, Hub &hub,
                        EventDispatcher &dispatcher, QVariantMap data, qint64 maxMessageSize);
    ~WebSocketConnection() override;

    void sendText(const QString &frame) override;
    void close(int code, const QString &reason) override;
    qint64 queuedBytes() const override { return m_socket->bytesToWrite(); }

private:
    void onDisconnected();

    QWebSocket *m_socket;
    const Router::WebSocketEntry &m_route;
    Hub &m_hub;
    EventDispatcher &m_dispatcher;
    Session *m_session = nullptr;
    bool m_closing = false;
};

// Accepts the upgrades the gateway hands over: finds the .ws route, runs the handshake middleware
// (which may refuse with an HTTP status before any socket exists), then lets Cortado's own
// QWebSocketServer complete the handshake.
class WebSocketFrontend : public QObject
{
    Q_OBJECT

public:
    WebSocketFrontend(const Router &router, Hub &hub, Presence *presence, WebSocketLimits limits,
                      QObject *parent = nullptr);
    ~WebSocketFrontend() override;

    void handleUpgrade(QTcpSocket *socket, const RequestHead &head);

private:
    struct PendingHandshake
    {
        QTcpSocket *socket;
        const Router::WebSocketEntry *route;
        QVariantMap data;
    };

    void onNewConnection();
    void onRoomClosed(const QString &route, const QString &room);

    const Router &m_router;
    Hub &m_hub;
    EventDispatcher m_dispatcher;
    WebSocketLimits m_limits;
    QWebSocketServer m_server;
    // Keyed by the peer's "address|port", which QWebSocket reports after the handshake.
    QHash<QString, PendingHandshake> m_pending;
};

} // namespace cortado
