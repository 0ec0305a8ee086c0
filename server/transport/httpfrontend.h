#pragma once

#include "routing/router.h"

#include <QAbstractHttpServer>

namespace cortado {

// REST on top of QHttpServer's connection handling and request parsing. Routing is ours (the
// Router built from the routes folder) so that every error is the documented JSON, a path with the
// wrong method gets 405 with Allow, and middleware is shared with WebSocket handshakes.
class HttpFrontend : public QAbstractHttpServer
{
    Q_OBJECT

public:
    HttpFrontend(const Router &router, Hub &hub, QObject *parent = nullptr);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    HttpResponse respond(const QHttpServerRequest &request);
    void write(QTcpSocket *socket, const HttpResponse &response);

    const Router &m_router;
    Hub &m_hub;
};

} // namespace cortado
