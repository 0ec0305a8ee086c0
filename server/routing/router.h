#pragma once

#include "roomauthorizer.h"
#include "routepath.h"
#include "routes.h"

#include <memory>
#include <vector>

namespace cortado {

// The application's routes and global middleware. Filled at start-up (by the generated index of a
// routes folder, or by hand in tests), read-only afterwards, so it can be shared across threads.
class Router
{
public:
    template<typename Route>
    struct Entry
    {
        RoutePath path;
        Route route;
    };
    using RestEntry = Entry<RestRoute>;
    using WebSocketEntry = Entry<WsRoute>;

    Router();
    ~Router();
    Router(const Router &) = delete;
    Router &operator=(const Router &) = delete;

    // Registers a route file; the path comes from the file name (see RoutePath). A bad name or a
    // path that two files claim is recorded in errors(): the server refuses to start with them.
    void addRestRoute(const QString &file, const std::function<void(RestRoute &)> &define);
    void addWebSocketRoute(const QString &file, const std::function<void(WsRoute &)> &define);

    // Global middleware: every REST request and every WebSocket handshake.
    void use(Middleware middleware) { m_middleware.append(std::move(middleware)); }
    // Global event middleware: every client event on every WebSocket route.
    void useForEvents(EventMiddleware middleware) { m_eventMiddleware.append(std::move(middleware)); }

    // Handles `event` on every WebSocket route that has no handler of its own (e.g. auth:refresh).
    WsRoute::EventBinding &on(const QString &event, EventHandler handler);
    const WsRoute::EventBinding *globalBinding(const QString &event) const;
    // The events every WebSocket route answers (built-ins and global bindings), sorted.
    QStringList globalEvents() const;
    // A built-in event (room:join, room:leave; see routing/rooms.h): answered on every WebSocket
    // route like a global binding, but no route file may bind it itself (a start-up error), so
    // nothing can replace its room guards and limits.
    WsRoute::EventBinding &onBuiltin(const QString &event, EventHandler handler);

    // What routes require (RestRoute/WsRoute::requireService()) and services() lacks, one line per
    // route and service. The Server checks this when it starts, once every service is provided.
    QStringList missingServices() const;

    Services &services() { return m_services; }
    const Services &services() const { return m_services; }

    // The server's rate limits (the Server sets them from its config before listen()).
    void setRateLimits(const RateLimits &limits) { m_rateLimits = limits; }
    const RateLimits &rateLimits() const { return m_rateLimits; }

    // Who may use which room (also in services(), for route files: cortado::authorizeRoom()).
    RoomAuthorizer &rooms() { return *m_rooms; }
    const RoomAuthorizer &rooms() const { return *m_rooms; }

    const QStringList &errors() const { return m_errors; }

    struct RestMatch
    {
        const RestEntry *entry = nullptr; // nullptr: no route has this path
        QHash<QString, QString> params;
    };
    RestMatch matchRest(const QString &encodedPath) const;

    struct WebSocketMatch
    {
        const WebSocketEntry *entry = nullptr;
        QHash<QString, QString> params;
    };
    WebSocketMatch matchWebSocket(const QString &encodedPath) const;

    // The WebSocket route whose pattern is exactly `pattern` (a session's route()).
    const WebSocketEntry *webSocketRoute(const QString &pattern) const;

    const std::vector<std::unique_ptr<RestEntry>> &restRoutes() const { return m_rest; }
    const std::vector<std::unique_ptr<WebSocketEntry>> &webSocketRoutes() const { return m_webSockets; }
    const QList<Middleware> &middleware() const { return m_middleware; }
    const QList<EventMiddleware> &eventMiddleware() const { return m_eventMiddleware; }

    // Runs the global then the route's middleware; the first error stops the chain.
    std::optional<Error> runMiddleware(Context &context, const QList<Middleware> &routeMiddleware) const;

private:
    std::optional<RoutePath> checkedPath(const QString &file, RoutePath::Kind expected);

    std::vector<std::unique_ptr<RestEntry>> m_rest; // most specific first
    std::vector<std::unique_ptr<WebSocketEntry>> m_webSockets;
    QList<Middleware> m_middleware;
    QList<EventMiddleware> m_eventMiddleware;
    WsRoute m_globalEvents;
    QSet<QString> m_builtinEvents;
    Services m_services;
    std::shared_ptr<RoomAuthorizer> m_rooms;
    RateLimits m_rateLimits;
    QStringList m_errors;
};

} // namespace cortado
