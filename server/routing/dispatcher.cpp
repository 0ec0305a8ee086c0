#include "dispatcher.h"

#include <QJsonObject>
#include <QLoggingCategory>

#include <exception>

Q_LOGGING_CATEGORY(lcRouting, "cortado.routing", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado {

namespace errors = protocol::errors;

void EventDispatcher::dispatchText(Session &session, const WsRoute &route, QByteArrayView utf8)
{
    protocol::ParseResult parsed = protocol::parseEnvelope(utf8);
    if (!parsed.envelope) {
        m_hub.recordIncoming(session, {}, std::nullopt, utf8.size());
        sendError(session, parsed.id, parsed.error);
        return;
    }
    m_hub.recordIncoming(session, parsed.envelope->event, parsed.envelope->room, utf8.size());
    EventContext context(session, m_hub, m_router.services(), std::move(*parsed.envelope));
    answer(context, invoke(context, route));
}

void EventDispatcher::dispatchBinary(Session &session)
{
    m_hub.recordIncoming(session, {}, std::nullopt, 0);
    sendError(session, QJsonValue::Undefined,
              {errors::BinaryNotSupported,
               u"binary frames are not supported; send JSON text frames"_s});
}

Ack EventDispatcher::invoke(EventContext &context, const WsRoute &route)
{
    for (const auto *chain : {&m_router.eventMiddleware(), &route.eventMiddleware()}) {
        for (const EventMiddleware &middleware : *chain) {
            if (std::optional<Error> error = middleware(context))
                return *error;
        }
    }

    const QString &event = context.event();
    if (event == protocol::events::RoomJoin)
        return join(context, route);
    if (event == protocol::events::RoomLeave)
        return leave(context);

    const WsRoute::EventBinding *binding = route.binding(event);
    if (!binding)
        binding = m_router.globalBinding(event);
    if (!binding)
        return Error::badRequest(errors::UnknownEvent,
                                 u"no handler for \"%1\" on %2"_s.arg(event, context.session().route()));
    for (const EventMiddleware &middleware : binding->middleware) {
        if (std::optional<Error> error = middleware(context))
            return *error;
    }
    try {
        return binding->handler(context);
    } catch (const std::exception &e) {
        qCWarning(lcRouting) << "handler for" << event << "threw:" << e.what();
    } catch (...) {
        qCWarning(lcRouting) << "handler for" << event << "threw";
    }
    return Error::internal(u"the handler for \"%1\" failed"_s.arg(event));
}

static Error roomRequired(const QString &event)
{
    return Error::badRequest(errors::BadRoom, u"\"%1\" needs a \"room\""_s.arg(event));
}

Ack EventDispatcher::join(EventContext &context, const WsRoute &route)
{
    if (!context.room())
        return roomRequired(context.event());
    const QString &room = *context.room();
    Session &session = context.session();
    if (!session.isInRoom(room)) {
        if (const auto guard = route.roomGuard(room)) {
            if (std::optional<Error> refusal = (*guard->first)(context, guard->second))
                return *refusal;
        }
        if (session.rooms().size() >= protocol::MaxRoomsPerSocket)
            return Error::badRequest(errors::TooManyRooms,
                                     u"a socket may be in at most %1 rooms"_s.arg(
                                             protocol::MaxRoomsPerSocket));
        m_hub.join(session, room);
        if (route.joinHook())
            route.joinHook()(context);
    }
    const std::optional<RoomInfo> info = m_hub.room(session.route(), room);
    return Ack::ok(QJsonObject{{u"room"_s, room}, {u"members"_s, info ? info->members : 0}});
}

Ack EventDispatcher::leave(EventContext &context)
{
    if (!context.room())
        return roomRequired(context.event());
    const bool wasMember = m_hub.leave(context.session(), *context.room());
    return Ack::ok(QJsonObject{{u"room"_s, *context.room()}, {u"left"_s, wasMember}});
}

void EventDispatcher::answer(const EventContext &context, const Ack &ack)
{
    const QJsonValue &id = context.envelope().id;
    if (ack.isOk()) {
        if (!id.isUndefined())
            m_hub.sendFrame(context.session(), protocol::events::Ack,
                            protocol::encodeAck(id, ack.payload()));
        return;
    }
    sendError(context.session(), id, ack.error().info());
}

void EventDispatcher::sendError(Session &session, const QJsonValue &id,
                                const protocol::ErrorInfo &error)
{
    // With an id the client is waiting for an ack; without one, it still deserves to know.
    if (id.isUndefined())
        m_hub.sendFrame(session, protocol::events::Error, protocol::encodeSystemError(error));
    else
        m_hub.sendFrame(session, protocol::events::Ack, protocol::encodeErrorAck(id, error));
}

} // namespace cortado
