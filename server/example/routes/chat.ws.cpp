// WebSocket /chat — room chat with presence and history. Guests may connect and use public rooms;
// "user:<id>" is only that user's room and "project:<id>" only its members' (both need a token).
// Messages carry an "offset"; room:join with {"since": N} replays what came after N.
//
//   → {"event":"chat:send","room":"lobby","payload":{...},"id":1}
//   ← {"event":"chat:message","room":"lobby","payload":{...},"from":"<sender socket id>"}
//     to every member of the room, sender included; then the ack {"delivered": N}.
#include <cortado/route.h>

#include <cortado/auth.h>
#include "projects.h"

using namespace Qt::StringLiterals;
namespace errors = cortado::protocol::errors;

CORTADO_WS_ROUTE(route)
{
    route.trackPresence();
    // Every chat room keeps its last 200 messages for a day: {"since": N} on room:join recovers them.
    route.keepHistory(u"*"_s, cortado::HistoryPolicy{200, 24 * 3600});
    route.guardRooms(u"user:{id}"_s, cortado::auth::onlyUser(u"id"_s));
    route.guardRooms(u"project:{id}"_s,
                     cortado::auth::membersOnly(u"id"_s, [](const cortado::Services &services,
                                                             const cortado::auth::User &user,
                                                             const QString &project) {
                         const auto *projects = services.get<ProjectStore>();
                         return projects && projects->isMember(project, user.id);
                     }));

    route.on(u"chat:send"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
        if (!ctx.room())
            return cortado::Error::badRequest(errors::BadRoom, u"chat:send needs a \"room\""_s);
        if (!ctx.session().isInRoom(*ctx.room()))
            return cortado::Error::badRequest(errors::NotInRoom,
                                              u"join \"%1\" before sending to it"_s.arg(*ctx.room()));
        const cortado::Delivery delivery = ctx.hub().send(
                ctx.toRoom(*ctx.room()),
                cortado::Message{u"chat:message"_s, ctx.payload(), ctx.room(), ctx.session().id()});
        if (delivery.refused && delivery.refusedCode == errors::Forbidden)
            return cortado::Error::forbidden(u"guests may not open more rooms with history; sign in"_s);
        if (delivery.refused)
            return cortado::Error::badRequest(errors::Overloaded,
                                              u"the message cannot be stored right now; retry later"_s);
        QJsonObject ack{{u"delivered"_s, delivery.recipients}};
        if (delivery.offset)
            ack.insert(u"offset"_s, *delivery.offset);
        return cortado::Ack::ok(ack);
    });
}
