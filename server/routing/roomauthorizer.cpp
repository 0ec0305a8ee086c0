#include "roomauthorizer.h"

#include "router.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcAudit)

using namespace Qt::StringLiterals;

namespace cortado {

static QString actionName(RoomAction action)
{
    switch (action) {
    case RoomAction::Join:
        return u"join"_s;
    case RoomAction::Read:
        return u"read"_s;
    case RoomAction::Publish:
        return u"publish"_s;
    }
    return {};
}

std::optional<Error> RoomAuthorizer::checkGuard(const WsRoute &route, const QString &routePath,
                                                const QVariantMap &caller, const Services &services,
                                                const QString &room, RoomAction action) const
{
    const auto guard = route.roomGuard(room);
    if (!guard)
        return std::nullopt;
    return (*guard->first)(RoomAccess{caller, services, routePath, room, action, guard->second});
}

std::optional<Error> RoomAuthorizer::authorize(const Session &session, const Services &services,
                                               const QString &room, RoomAction action) const
{
    const Router::WebSocketEntry *entry = m_router.webSocketRoute(session.route());
    if (!entry)
        return Error::notFound(u"no WebSocket route %1"_s.arg(session.route()));
    return checkGuard(entry->route, session.route(), session.data, services, room, action);
}

std::optional<Error> RoomAuthorizer::authorize(Context &ctx, const QString &route,
                                               const QString &room, RoomAction action, bool audit) const
{
    const Router::WebSocketEntry *entry = m_router.webSocketRoute(route);
    if (!entry || Hub::isInternalRoute(route))
        return Error::notFound(u"no WebSocket route %1"_s.arg(route));
    if (!protocol::isValidRoomName(room))
        return Error::badRequest(protocol::errors::BadRoom, u"\"%1\" is not a valid room name"_s.arg(room));

    // Whoever could not connect to the route may not use its rooms from REST either.
    for (const Middleware &middleware : entry->route.connectMiddleware()) {
        if (std::optional<Error> error = middleware(ctx))
            return error;
    }
    if (m_privilege) {
        if (const std::optional<QString> privilege = m_privilege(ctx.data, action)) {
            if (audit)
                qCInfo(lcAudit, "%s (%s) may %s %s %s from %s", qUtf8Printable(*privilege),
                   qUtf8Printable(ctx.request().path), qUtf8Printable(actionName(action)),
                   qUtf8Printable(route), qUtf8Printable(room), qUtf8Printable(ctx.request().remoteAddress));
            return std::nullopt;
        }
    }
    if (action == RoomAction::Publish) {
        if (!ctx.data.contains(u"user"_s))
            return Error::unauthorized(u"publishing into a room needs a token with the publisher role, or the API key"_s);
        return Error::forbidden(u"publishing into a room needs the \"publisher\" or \"admin\" role"_s);
    }
    return checkGuard(entry->route, route, ctx.data, ctx.services(), room, action);
}

std::optional<Error> authorizeRoom(Context &ctx, const QString &route, const QString &room,
                                   RoomAction action, bool audit)
{
    const auto *authorizer = ctx.services().get<RoomAuthorizer>();
    Q_ASSERT_X(authorizer, "authorizeRoom", "the Router provides its RoomAuthorizer");
    return authorizer->authorize(ctx, route, room, action, audit);
}

} // namespace cortado
