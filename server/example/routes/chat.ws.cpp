// WebSocket /chat — room chat with presence and history. Guests may connect and use public rooms;
// "user:<id>" is only that user's room and "project:<id>" only its members' (both need a token).
// Messages carry an "offset"; room:join with {"since": N} replays what came after N.
//
//   → {"event":"chat:send","room":"lobby","payload":{...},"id":1}
//   ← {"event":"chat:message","room":"lobby","payload":{...},"from":"<sender socket id>"}
//     to every member of the room, sender included; then the ack {"delivered": N, "offset": N}.
//     In a cluster the ack is {"delivered": 0, "pending": true}: the message (with its offset)
//     reaches every node's members a moment later, the sender's before its ack.
#include <cortado/route.h>

#include <cortado/auth.h>
#include "projects.h"

using namespace Qt::StringLiterals;
CORTADO_WS_ROUTE(route)
{
    route.requireService<ProjectStore>(); // the guard of "project:<id>" asks it
    route.trackPresence();
    // Every chat room keeps its last 200 messages for a day: {"since": N} on room:join recovers them.
    route.keepHistory(u"*"_s, cortado::HistoryPolicy{200, 24 * 3600});
    route.guardRooms(u"user:{id}"_s, cortado::auth::onlyUser(u"id"_s));
    route.guardRooms(u"project:{id}"_s,
                     cortado::auth::membersOnly(u"id"_s, [](const cortado::Services &services,
                                                             const cortado::auth::User &user,
                                                             const QString &project) {
                         return services.get<ProjectStore>()->isMember(project, user.id);
                     }));

    route.on(u"chat:send"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
        const cortado::Delivery delivery = ctx.relay(u"chat:message"_s); // the payload as it came
        if (auto error = delivery.error()) // a guest opening too many rooms, or storage busy
            return *error;
        QJsonObject ack{{u"delivered"_s, delivery.recipients}};
        if (delivery.offset)
            ack.insert(u"offset"_s, *delivery.offset);
        if (delivery.pending) // a cluster numbers it: the offset is in the message, which came first
            ack.insert(u"pending"_s, true);
        return cortado::Ack::ok(ack);
    })
            .requireMembership()
            // The relay takes any JSON; the example app's own clients send {"text": ...}.
            .describe(u"Send a message to the frame's room (relayed as chat:message, sender included)"_s,
                      QJsonObject{{u"text"_s, u"hello"_s}},
                      QJsonObject{{u"type"_s, u"object"_s},
                                  {u"required"_s, QJsonArray{u"text"_s}},
                                  {u"properties"_s, QJsonObject{{u"text"_s, QJsonObject{{u"type"_s, u"string"_s},
                                                                                        {u"minLength"_s, 1}}}}}});
}
