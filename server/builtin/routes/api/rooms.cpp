// GET /api/rooms[?route=/chat] — the live rooms the caller may read, with member counts, per
// WebSocket route. Rooms whose guard refuses the caller (another user's "user:<id>", a project the
// caller is not in) are left out; an admin sees every room.
#include <cortado/route.h>

using namespace Qt::StringLiterals;

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        QJsonArray rooms;
        for (const cortado::RoomInfo &room : ctx.realtime().rooms(ctx.request().queryValue(u"route"_s))) {
            if (cortado::authorizeRoom(ctx, room.route, room.name, cortado::RoomAction::Read, false))
                continue;
            rooms.append(QJsonObject{{u"route"_s, room.route},
                                     {u"room"_s, room.name},
                                     {u"members"_s, room.members}});
        }
        return cortado::HttpResponse::json(QJsonObject{{u"rooms"_s, rooms}});
    });
}
