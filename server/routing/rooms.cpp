#include "rooms.h"

#include "core/presence.h"
#include "router.h"

#include <QJsonArray>

#include <cmath>

using namespace Qt::StringLiterals;

namespace cortado::rooms {

namespace errors = protocol::errors;

namespace {

Error roomRequired(const QString &event)
{
    return Error::badRequest(errors::BadRoom, u"\"%1\" needs a \"room\""_s.arg(event));
}

Ack join(Hub &hub, EventContext &context)
{
    if (!context.room())
        return roomRequired(context.event());
    const QString &room = *context.room();
    Session &session = context.session();
    // {"since": N}: the last offset the client saw, to recover what it missed.
    std::optional<qint64> since;
    const QJsonValue sinceValue = context.payload().toObject().value("since"_L1);
    if (!sinceValue.isUndefined() && !sinceValue.isNull()) {
        const double value = sinceValue.toDouble(-1);
        if (!sinceValue.isDouble() || value < 0 || std::trunc(value) != value)
            return Error::badRequest(errors::BadPayload, u"\"since\" is an offset: an integer >= 0"_s);
        since = qint64(value);
    }
    // Guard, room limit, and the route's onJoin hooks (which run before this ack goes out).
    if (std::optional<Error> refusal = context.join(room))
        return *refusal;
    const std::optional<RoomInfo> info = hub.room(session.route(), room);
    QJsonObject payload{{u"room"_s, room}, {u"members"_s, info ? info->members : 0}};
    History &history = hub.history();
    if (history.policy(session.route(), room)) {
        if (since) {
            // Replay and ack happen in this one event-loop turn: no live message can slip between
            // the replayed ones and the ones that follow, so there is no gap and no duplicate.
            const History::Replay replay = history.since(session.route(), room, *since);
            for (const HistoryEntry &entry : replay.entries)
                hub.sendFrame(session, u"replay"_s, entry.frame);
            payload.insert(u"recovered"_s, replay.recovered);
        }
        payload.insert(u"offset"_s, history.latestOffset(session.route(), room));
    }
    return Ack::ok(payload);
}

Ack leave(EventContext &context)
{
    if (!context.room())
        return roomRequired(context.event());
    const bool wasMember = context.leave(*context.room());
    return Ack::ok(QJsonObject{{u"room"_s, *context.room()}, {u"left"_s, wasMember}});
}

Ack updatePresence(EventContext &context)
{
    auto *presence = context.services().get<Presence>();
    if (!presence || !presence->isTracked(context.session().route()))
        return Error::badRequest(errors::UnknownEvent, u"no handler for \"%1\" on %2"_s.arg(
                                                               context.event(), context.session().route()));
    if (!context.room())
        return roomRequired(context.event());
    if (!context.isInRoom(*context.room()))
        return Error::badRequest(errors::NotInRoom, u"join \"%1\" first"_s.arg(*context.room()));
    const QString status = context.payload().toObject().value("status"_L1).toString();
    if (status.isEmpty() || status.size() > 32)
        return Error::badRequest(errors::BadPayload,
                                 u"presence:update takes {\"status\": \"...\"} (1 to 32 characters)"_s);
    if (!presence->setStatus(context.session(), *context.room(), status))
        return Error::internal(u"presence is not available"_s);
    return Ack::ok();
}

} // namespace

void install(Router &router, Hub &hub)
{
    router.onBuiltin(protocol::events::RoomJoin, [&hub](EventContext &ctx) { return join(hub, ctx); })
            .describe(u"Join the frame's \"room\"; {\"since\": offset} replays the history after it"_s,
                      QJsonValue::Undefined,
                      QJsonObject{{u"type"_s, QJsonArray{u"object"_s, u"null"_s}},
                                  {u"properties"_s, QJsonObject{{u"since"_s, QJsonObject{{u"type"_s, u"integer"_s},
                                                                                         {u"minimum"_s, 0}}}}}});
    router.onBuiltin(protocol::events::RoomLeave, [](EventContext &ctx) { return leave(ctx); })
            .describe(u"Leave the frame's \"room\""_s);
    // A fallback like auth:refresh: a route that does not track presence may use the name itself.
    router.on(u"presence:update"_s, [](EventContext &ctx) { return updatePresence(ctx); })
            .describe(u"Set your presence status in the frame's \"room\" (routes that track presence)"_s,
                      QJsonObject{{u"status"_s, u"away"_s}},
                      QJsonObject{{u"type"_s, u"object"_s},
                                  {u"required"_s, QJsonArray{u"status"_s}},
                                  {u"properties"_s, QJsonObject{{u"status"_s, QJsonObject{{u"type"_s, u"string"_s},
                                                                                          {u"minLength"_s, 1},
                                                                                          {u"maxLength"_s, 32}}}}}});
}

} // namespace cortado::rooms
