// GET /api/rooms/<room>[?route=/chat] — one room: its members on each WebSocket route that has it
// and whose room rules let the caller read it (401/403 when the room is open only where they refuse).
#include <cortado/route.h>

using namespace Qt::StringLiterals;

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        const QString room = ctx.request().param(u"room"_s);
        const QString routeFilter = ctx.request().queryValue(u"route"_s);
        QJsonArray routes;
        qsizetype total = 0;
        std::optional<cortado::Error> refusal;
        for (const cortado::RoomInfo &info : ctx.realtime().rooms(routeFilter)) {
            if (info.name != room)
                continue;
            if (auto error = cortado::authorizeRoom(ctx, info.route, room, cortado::RoomAction::Read)) {
                refusal = std::move(error);
                continue;
            }
            QJsonArray sockets;
            for (const cortado::SocketId &member : ctx.realtime().members(info.route, room))
                sockets.append(member);
            routes.append(QJsonObject{{u"route"_s, info.route},
                                      {u"members"_s, info.members},
                                      {u"sockets"_s, sockets}});
            total += info.members;
        }
        if (routes.isEmpty() && refusal)
            return cortado::HttpResponse::error(*refusal);
        if (routes.isEmpty())
            return cortado::HttpResponse::error(
                    cortado::Error::notFound(u"no room \"%1\" is open"_s.arg(room)));
        return cortado::HttpResponse::json(
                QJsonObject{{u"room"_s, room}, {u"members"_s, total}, {u"routes"_s, routes}});
    });
}
