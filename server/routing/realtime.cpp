#include "realtime.h"

#include "router.h"

using namespace Qt::StringLiterals;

namespace cortado {

namespace errors = protocol::errors;

Realtime::Realtime(Hub &hub, const Router &router) : m_hub(hub), m_router(router) { }

const Services &Realtime::services() const
{
    return m_router.services();
}

Delivery Realtime::emit(const Target &target, const QString &event, const QJsonValue &payload)
{
    std::optional<QString> room;
    if (target.scope() == Target::Scope::Room)
        room = target.roomName();
    return m_hub.send(target, Message{event, payload, std::move(room), {}});
}

Delivery Realtime::send(const Target &target, const Message &message)
{
    return m_hub.send(target, message);
}

qsizetype Realtime::sessionCount() const
{
    return m_hub.sessionCount();
}

bool Realtime::hasSocket(const SocketId &id) const
{
    return m_hub.session(id) != nullptr;
}

QString Realtime::routeOf(const SocketId &id) const
{
    const Session *session = m_hub.session(id);
    return session ? session->route() : QString();
}

QList<RoomInfo> Realtime::rooms(const QString &route) const
{
    return m_hub.rooms(route);
}

std::optional<RoomInfo> Realtime::room(const QString &route, const QString &name) const
{
    return m_hub.room(route, name);
}

QList<SocketId> Realtime::members(const QString &route, const QString &room) const
{
    QList<SocketId> ids;
    for (const Session *member : m_hub.members(route, room))
        ids.append(member->id());
    return ids;
}

bool Realtime::keepsHistory(const QString &route, const QString &room) const
{
    return m_hub.history().policy(route, room).has_value();
}

QList<HistoryEntry> Realtime::historySince(const QString &route, const QString &room, qint64 since) const
{
    return m_hub.history().since(route, room, since).entries;
}

bool Realtime::serverJoin(const SocketId &id, const QString &room, const QString &actor)
{
    return protocol::isValidRoomName(room) && m_hub.serverJoin(id, room, actor);
}

bool Realtime::serverLeave(const SocketId &id, const QString &room, const QString &actor)
{
    return m_hub.serverLeave(id, room, actor);
}

const Services &SocketContext::services() const
{
    return m_realtime.services();
}

static Delivery noRoom(const QString &event)
{
    Delivery delivery;
    delivery.refused = true;
    delivery.refusedCode = errors::BadRoom;
    delivery.refusedMessage = u"\"%1\" is broadcast to the event's room: send it with a \"room\""_s.arg(event);
    return delivery;
}

Delivery SocketContext::broadcast(const QString &event, const QJsonValue &payload) const
{
    if (!m_room)
        return noRoom(event);
    return m_realtime.m_hub.send(toRoom(*m_room), Message{event, payload, m_room, m_session.id()});
}

Delivery EventContext::relay(const QString &event) const
{
    if (!room())
        return noRoom(event);
    Message message{event, QJsonValue::Undefined, room(), socketId()};
    message.payloadJson = envelope().payloadJson;
    return realtime().m_hub.send(toRoom(*room()), message);
}

Delivery SocketContext::broadcastFrom(const QString &event, const QJsonValue &payload) const
{
    if (!m_room)
        return noRoom(event);
    return m_realtime.m_hub.send(toRoom(*m_room).except(m_session.id()),
                                 Message{event, payload, m_room, m_session.id()});
}

Delivery SocketContext::push(const QString &event, const QJsonValue &payload) const
{
    return m_realtime.m_hub.send(toSender(), Message{event, payload, m_room, m_session.id()});
}

Delivery SocketContext::emit(const Target &target, const QString &event, const QJsonValue &payload) const
{
    const std::optional<QString> room =
            target.scope() == Target::Scope::Room ? std::optional<QString>(target.roomName()) : m_room;
    return m_realtime.m_hub.send(target, Message{event, payload, room, m_session.id()});
}

std::optional<Error> SocketContext::join(const QString &room) const
{
    if (!protocol::isValidRoomName(room))
        return Error::badRequest(errors::BadRoom, u"\"%1\" is not a valid room name"_s.arg(room));
    if (m_session.isInRoom(room))
        return std::nullopt;
    if (std::optional<Error> refusal =
                m_realtime.m_router.rooms().authorize(m_session, services(), room, RoomAction::Join))
        return refusal;
    if (m_session.rooms().size() >= protocol::MaxRoomsPerSocket)
        return Error::badRequest(errors::TooManyRooms,
                                 u"a socket may be in at most %1 rooms"_s.arg(protocol::MaxRoomsPerSocket));
    m_realtime.m_hub.join(m_session, room); // the route's onJoin hooks run from the hub's signal
    return std::nullopt;
}

bool SocketContext::serverJoin(const QString &room, const QString &reason) const
{
    return m_realtime.serverJoin(m_session.id(), room,
                                 u"a %1 handler (%2)"_s.arg(m_session.route(), reason));
}

bool SocketContext::leave(const QString &room) const
{
    return m_realtime.m_hub.leave(m_session, room);
}

Context::Context(Request request, Realtime &realtime)
    : m_request(std::move(request)), m_realtime(realtime), m_services(realtime.services())
{
}

Delivery Context::emit(const Target &target, const QString &event, const QJsonValue &payload) const
{
    return m_realtime.emit(target, event, payload);
}

QStringList ServiceRequirements::missingServices(const Services &services) const
{
    QStringList missing;
    for (const Required &required : m_required) {
        if (!required.isProvided(services))
            missing.append(required.name);
    }
    return missing;
}

} // namespace cortado
