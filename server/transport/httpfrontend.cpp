#include "httpfrontend.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QPointer>
#include <QTcpSocket>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

using namespace Qt::StringLiterals;

namespace cortado {

static bool isWebSocketUpgrade(const QHttpServerRequest &request)
{
    return request.value("upgrade").trimmed().compare("websocket", Qt::CaseInsensitive) == 0;
}

static QByteArray methodName(QHttpServerRequest::Method method)
{
    const char *key = QMetaEnum::fromType<QHttpServerRequest::Method>().valueToKey(int(method));
    return key ? QByteArray(key).toUpper() : QByteArray("UNKNOWN");
}

HttpFrontend::HttpFrontend(const Router &router, Hub &hub, QObject *parent)
    : QAbstractHttpServer(parent), m_router(router), m_hub(hub)
{
}

bool HttpFrontend::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Upgrades are the gateway's; one reaching us came later on a keep-alive connection.
    // Returning false makes QHttpServer call missingHandler() and close, never answer 101.
    if (isWebSocketUpgrade(request))
        return false;
    write(socket, respond(request));
    return true;
}

void HttpFrontend::missingHandler(const QHttpServerRequest &, QTcpSocket *socket)
{
    write(socket,
          HttpResponse::error(Error::badRequest(
                  protocol::errors::BadRequest,
                  u"a WebSocket upgrade must be the first request on its connection"_s)));
}

HttpResponse HttpFrontend::respond(const QHttpServerRequest &httpRequest)
{
    Request request;
    request.method = methodName(httpRequest.method());
    request.path = httpRequest.url().path(QUrl::FullyEncoded);
    request.query = httpRequest.query();
    request.headers = httpRequest.headers();
    request.body = httpRequest.body();
    request.remoteAddress = httpRequest.remoteAddress().toString();

    Router::RestMatch match = m_router.matchRest(request.path);
    if (!match.entry)
        return HttpResponse::error(Error::notFound(u"no route for %1"_s.arg(request.path)));
    const RestRoute &route = match.entry->route;
    const HttpHandler *handler = route.handler(request.method);
    if (!handler) {
        const QByteArray allow = route.methods().join(", ");
        HttpResponse response = HttpResponse::error(
                Error{405, protocol::errors::MethodNotAllowed,
                      u"%1 does not accept %2; it accepts %3"_s.arg(
                              match.entry->path.pattern(), QString::fromLatin1(request.method),
                              QString::fromLatin1(allow))});
        response.headers.append({"Allow", allow});
        return response;
    }

    request.params = std::move(match.params);
    Context context(std::move(request), m_hub, m_router.services());
    if (std::optional<Error> error = m_router.runMiddleware(context, route.middleware()))
        return HttpResponse::error(*error);
    try {
        return (*handler)(context);
    } catch (const std::exception &e) {
        qCWarning(lcTransport) << "REST handler for" << match.entry->path.file() << "threw:" << e.what();
    } catch (...) {
        qCWarning(lcTransport) << "REST handler for" << match.entry->path.file() << "threw";
    }
    return HttpResponse::error(Error::internal(u"the handler failed"_s));
}

void HttpFrontend::write(QTcpSocket *socket, const HttpResponse &response)
{
    if (!response.deferred) {
        socket->write(response.serialize());
        return;
    }
    // Answered later: the socket may be gone by then (QHttpServer 6.4 crashes when a QFuture route
    // outlives its client, so Cortado never hands it one).
    QPointer<QTcpSocket> guard(socket);
    response.deferred([guard](const HttpResponse &answer) {
        if (guard && guard->state() == QAbstractSocket::ConnectedState)
            guard->write(answer.serialize());
    });
}

} // namespace cortado
