#pragma once

#include "routing/router.h"
#include "transport/httpconnection.h"

#include <QObject>

class QTcpSocket;

namespace cortado {

// REST: takes the plain-HTTP connections the gateway passes on, one HttpConnection each (parsing,
// limits, keep-alive, answer order), and answers every request with Cortado's Router, so that every
// error is the documented JSON, a path with the wrong method gets 405 with Allow, and middleware is
// shared with WebSocket handshakes.
class HttpFrontend : public QObject
{
    Q_OBJECT

public:
    HttpFrontend(const Router &router, Hub &hub, GatewayLimits limits, QObject *parent = nullptr);
    ~HttpFrontend() override;

    // Takes the socket over; its first request head may still be unread.
    void handleConnection(QTcpSocket *socket);

    HttpResponse respond(Request request);

private:
    const Router &m_router;
    Realtime m_realtime; // what REST handlers see of the hub
    GatewayLimits m_limits;
};

} // namespace cortado
