#include "httpfrontend.h"

#include <QLoggingCategory>
#include <QTcpSocket>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

using namespace Qt::StringLiterals;

namespace cortado {

HttpFrontend::HttpFrontend(const Router &router, Hub &hub, GatewayLimits limits, QObject *parent)
    : QObject(parent), m_router(router), m_realtime(hub, router), m_limits(limits)
{
}

HttpFrontend::~HttpFrontend()
{
    // Connections (and their sockets) go before the router and hub they answer with.
    qDeleteAll(findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly));
}

void HttpFrontend::handleConnection(QTcpSocket *socket)
{
    new HttpConnection(socket, m_limits, [this](Request request) { return respond(std::move(request)); },
                       this);
}

HttpResponse HttpFrontend::respond(Request request)
{
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
    Context context(std::move(request), m_realtime);
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

} // namespace cortado
