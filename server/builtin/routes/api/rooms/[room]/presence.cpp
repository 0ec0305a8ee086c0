// GET /api/rooms/<room>/presence[?route=/chat] — who is in the room: users with their status and
// connection count (the same list a joiner gets as presence:state).
#include <cortado/route.h>

#include <cortado/presence.h>

using namespace Qt::StringLiterals;

CORTADO_REST_ROUTE(route)
{
    route.requireService<cortado::Presence>(); // the Server provides it
    route.get([](cortado::Context &ctx) {
        QString wsRoute = ctx.request().queryValue(u"route"_s);
        if (wsRoute.isEmpty())
            wsRoute = u"/chat"_s;
        const auto *presence = ctx.services().get<cortado::Presence>();
        if (!presence->isTracked(wsRoute))
            return cortado::HttpResponse::error(
                    cortado::Error::notFound(u"%1 does not track presence"_s.arg(wsRoute)));
        const QString room = ctx.request().param(u"room"_s);
        if (auto refusal = cortado::authorizeRoom(ctx, wsRoute, room, cortado::RoomAction::Read))
            return cortado::HttpResponse::error(*refusal);
        QJsonArray users;
        for (const cortado::PresenceEntry &entry : presence->list(wsRoute, room))
            users.append(entry.toJson());
        return cortado::HttpResponse::json(
                QJsonObject{{u"route"_s, wsRoute}, {u"room"_s, room}, {u"users"_s, users}});
    });
}
