// WebSocket /chat — room chat. Guests may connect.
//
//   → {"event":"chat:send","room":"lobby","payload":{...},"id":1}
//   ← {"event":"chat:message","room":"lobby","payload":{...},"from":"<sender socket id>"}
//     to every member of the room, sender included; then the ack {"delivered": N}.
#include <cortado/route.h>

using namespace Qt::StringLiterals;
namespace errors = cortado::protocol::errors;

CORTADO_WS_ROUTE(route)
{
    route.on(u"chat:send"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
        if (!ctx.room())
            return cortado::Error::badRequest(errors::BadRoom, u"chat:send needs a \"room\""_s);
        if (!ctx.session().isInRoom(*ctx.room()))
            return cortado::Error::badRequest(errors::NotInRoom,
                                              u"join \"%1\" before sending to it"_s.arg(*ctx.room()));
        const qsizetype delivered = ctx.hub().send(
                ctx.toRoom(*ctx.room()),
                cortado::Message{u"chat:message"_s, ctx.payload(), ctx.room(), ctx.session().id()});
        return cortado::Ack::ok(QJsonObject{{u"delivered"_s, delivered}});
    });
}
