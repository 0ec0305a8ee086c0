// GET /api/rooms[?route=/chat] — every live room with its member count, per WebSocket route.
#include <cortado/route.h>

using namespace Qt::StringLiterals;

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        QJsonArray rooms;
        for (const cortado::RoomInfo &room : ctx.hub().rooms(ctx.request().queryValue(u"route"_s)))
            rooms.append(QJsonObject{{u"route"_s, room.route},
                                     {u"room"_s, room.name},
                                     {u"members"_s, room.members}});
        return cortado::HttpResponse::json(QJsonObject{{u"rooms"_s, rooms}});
    });
}
