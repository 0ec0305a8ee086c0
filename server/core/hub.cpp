#include "hub.h"

#include "cortado/protocol.h"
#include "metrics/traffic.h"

#include <QLoggingCategory>
#include <QMetaMethod>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcCore, "cortado.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAudit, "cortado.audit", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado {

std::optional<Error> Delivery::error() const
{
    if (!refused)
        return std::nullopt;
    if (refusedCode == protocol::errors::Overloaded)
        return Error::overloaded(refusedMessage.isEmpty() ? u"the message cannot be sent right now; retry later"_s
                                                          : refusedMessage);
    if (refusedCode == protocol::errors::Forbidden)
        return Error::forbidden(refusedMessage.isEmpty() ? u"the message was refused"_s : refusedMessage);
    return Error::badRequest(refusedCode, refusedMessage.isEmpty() ? u"the message was not sent"_s : refusedMessage);
}

Hub::Hub(QObject *parent) : QObject(parent) { }

Hub::~Hub() = default;

SocketId Hub::newSocketId() const
{
    // 96 random bits: unguessable, and unique across nodes once several share a broker.
    for (;;) {
        quint32 words[3];
        QRandomGenerator::global()->fillRange(words);
        const QByteArray raw(reinterpret_cast<const char *>(words), sizeof words);
        SocketId id = QString::fromLatin1(
                raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
        if (m_sessions.find(id) == m_sessions.end())
            return id;
    }
}

Session &Hub::attach(const QString &route, const QString &remoteAddress, QVariantMap data,
                     Connection *connection)
{
    Q_ASSERT(connection);
    const SocketId id = newSocketId();
    auto owned = std::make_unique<Session>(id, route, remoteAddress, std::move(data), connection);
    Session &session = *owned;
    m_sessions.emplace(id, std::move(owned));
    m_routes[route].sessions.insert(&session);
    qCDebug(lcCore) << "connected" << id << route << remoteAddress;
    Q_EMIT connected(session);
    return session;
}

void Hub::detach(const SocketId &id, int closeCode)
{
    const auto it = m_sessions.find(id);
    if (it == m_sessions.end())
        return;
    Session &session = *it->second;
    RouteState &state = m_routes[session.route()];
    const QSet<QString> rooms = session.m_rooms;
    for (const QString &room : rooms)
        removeFromRoom(state, session, room);
    state.sessions.remove(&session);
    if (state.sessions.isEmpty())
        m_routes.remove(session.route());
    if (m_metrics && closeCode == protocol::close::SlowConsumer && !isInternalRoute(session.route()))
        m_metrics->slowConsumer(session.route());
    qCDebug(lcCore) << "disconnected" << id << closeCode;
    Q_EMIT disconnected(session, closeCode);
    m_sessions.erase(it);
}

bool Hub::join(Session &session, const QString &room)
{
    if (session.m_rooms.contains(room))
        return false;
    session.m_rooms.insert(room);
    m_routes[session.route()].rooms[room].insert(&session);
    Q_EMIT joined(session, room);
    return true;
}

bool Hub::leave(Session &session, const QString &room)
{
    if (!session.m_rooms.contains(room))
        return false;
    removeFromRoom(m_routes[session.route()], session, room);
    return true;
}

bool Hub::serverJoin(const SocketId &id, const QString &room, const QString &actor)
{
    Session *target = session(id);
    if (!target)
        return false;
    qCInfo(lcAudit, "server-side join by %s: socket %s -> %s %s", qUtf8Printable(actor),
           qUtf8Printable(id), qUtf8Printable(target->route()), qUtf8Printable(room));
    return join(*target, room);
}

bool Hub::serverLeave(const SocketId &id, const QString &room, const QString &actor)
{
    Session *target = session(id);
    if (!target)
        return false;
    qCInfo(lcAudit, "server-side leave by %s: socket %s <- %s %s", qUtf8Printable(actor),
           qUtf8Printable(id), qUtf8Printable(target->route()), qUtf8Printable(room));
    return leave(*target, room);
}

void Hub::removeFromRoom(RouteState &state, Session &session, const QString &room)
{
    session.m_rooms.remove(room);
    const auto members = state.rooms.find(room);
    if (members != state.rooms.end()) {
        members->remove(&session);
        if (members->isEmpty())
            state.rooms.erase(members);
    }
    Q_EMIT left(session, room);
    if (!state.rooms.contains(room))
        Q_EMIT roomClosed(session.route(), room);
}

void Hub::deliver(Session *session, const QByteArray &utf8)
{
    ++session->m_messagesOut;
    session->m_connection->sendText(utf8);
}

Delivery Hub::send(const Target &target, const Message &message)
{
    Delivery delivery;
    const std::optional<HistoryPolicy> policy = target.scope() == Target::Scope::Room && !message.ephemeral
            ? m_history.policy(target.routePath(), target.roomName())
            : std::nullopt;
    bool recorded = policy.has_value();
    if (recorded && m_historyAdmission && m_history.latestOffset(target.routePath(), target.roomName()) == 0
        && !m_historyAdmission(target, message)) {
        delivery.refused = true;
        delivery.refusedCode = protocol::errors::Forbidden;
        delivery.refusedMessage = u"guests may not open more rooms with history; sign in"_s;
        return delivery;
    }
    if (recorded) {
        delivery.offset = m_history.nextOffset(target.routePath(), target.roomName());
        if (!delivery.offset) { // one room too many keeps history
            delivery.refused = true;
            delivery.refusedCode = protocol::errors::Overloaded;
            delivery.refusedMessage = u"too many rooms keep history on this server; retry later"_s;
            return delivery;
        }
        if (m_broker) {
            if (m_broker->isUp())
                return sendSequenced(target, message, *delivery.offset - 1);
            // No cluster to number it: this node's members get it, without an offset (docs/cluster.md).
            delivery.offset.reset();
            recorded = false;
        }
    }
    const QByteArray utf8 = message.payloadJson.isEmpty()
            ? protocol::encodeEvent(message.event, message.payload, message.room, message.from, delivery.offset)
            : protocol::encodeEventWithPayloadJson(message.event, message.payloadJson, message.room, message.from,
                                                   delivery.offset);
    // One encoding, shared by every recipient (the transport frames it once too).
    if (recorded) {
        // The log, the database and the wire share these bytes (no copy, no UTF-16).
        HistoryEntry entry{*delivery.offset, QDateTime::currentMSecsSinceEpoch(), utf8};
        if (m_historySink && !m_historySink(target.routePath(), target.roomName(), entry, *policy)) {
            delivery.refused = true;
            delivery.refusedCode = protocol::errors::Overloaded;
            delivery.refusedMessage = u"the message cannot be stored right now; retry later"_s;
            return delivery;
        }
        m_history.append(target.routePath(), target.roomName(), std::move(entry));
    }
    const auto backlog = target.scope() == Target::Scope::Room && !m_roomBacklogs.isEmpty()
            ? m_roomBacklogs.find(roomKey(target))
            : m_roomBacklogs.end();
    if (backlog != m_roomBacklogs.end() && backlog->queue.size() < MaxHeldFrames) {
        backlog->queue.append(Queued{true, target, message.event, utf8}); // after the room's messages in flight
        delivery.pending = true;
    } else {
        delivery.recipients = deliverLocal(target, message.event, utf8, message.payload, message.payloadJson);
    }
    if (m_broker && !message.localOnly) { // while it is down the broker counts what it drops
        // Other nodes may hold recipients; a socket found here is not elsewhere (ids are unique).
        const bool elsewhere = target.scope() == Target::Scope::Socket
                ? !session(target.socketId())
                : target.scope() == Target::Scope::Everyone || !isInternalRoute(target.routePath());
        if (elsewhere)
            m_broker->publish(target, message.event, utf8);
    }
    return delivery;
}

Delivery Hub::sendSequenced(const Target &target, const Message &message, qint64 floor)
{
    Delivery delivery;
    const protocol::FrameParts parts = protocol::encodeEventParts(message.event, message.payload, message.payloadJson,
                                                                  message.room, message.from);
    if (m_historyCapacity && !m_historyCapacity(parts.head.size() + parts.tail.size() + 32)) {
        delivery.refused = true;
        delivery.refusedCode = protocol::errors::Overloaded;
        delivery.refusedMessage = u"the message cannot be stored right now; retry later"_s;
        return delivery;
    }
    if (!m_broker->publishSequenced(target, message.event, message.from, parts, floor)) {
        delivery.refused = true;
        delivery.refusedCode = protocol::errors::Overloaded;
        delivery.refusedMessage = u"the cluster cannot take the message right now; retry later"_s;
        return delivery;
    }
    if (Session *sender = message.from.isEmpty() ? nullptr : session(message.from))
        ++sender->m_sequencedInFlight;
    m_roomBacklogs[roomKey(target)].queue.append(Queued{}); // its place in the room's order
    delivery.pending = true;
    return delivery;
}

void Hub::deliverSequenced(const Target &target, const QString &event, qint64 offset, const QByteArray &frame,
                           const SocketId &sender, bool own)
{
    const QString &route = target.routePath();
    const QString &room = target.roomName();
    const bool isNew = offset > m_history.latestOffset(route, room);
    if (isNew) {
        const std::optional<HistoryPolicy> policy = m_history.policy(route, room);
        // A room this node cannot open a log for (its cap) is still delivered, just not kept here.
        if (policy && m_history.nextOffset(route, room)) {
            HistoryEntry entry{offset, QDateTime::currentMSecsSinceEpoch(), frame};
            if (own && m_historySink && !m_historySink(route, room, entry, *policy))
                qCWarning(lcCore, "history of %s %s: offset %lld was delivered but could not be stored",
                          qUtf8Printable(route), qUtf8Printable(room), offset);
            m_history.append(route, room, std::move(entry));
        }
    }
    if (own) {
        // In its place among what this node sent into the room (an old repeat delivers nothing).
        deliverInOrder(target, event, isNew ? frame : QByteArray());
        releaseSender(sender);
    } else if (isNew) {
        deliverLocal(target, event, frame, QJsonValue::Undefined, {});
    }
}

void Hub::deliverUnsequenced(const Target &target, const QString &event, const QByteArray &frame,
                             const SocketId &sender)
{
    deliverInOrder(target, event, frame);
    releaseSender(sender);
}

void Hub::deliverInOrder(const Target &target, const QString &event, const QByteArray &frame)
{
    const auto backlog = m_roomBacklogs.find(roomKey(target));
    if (backlog == m_roomBacklogs.end()) { // the link went down meanwhile: nothing is waiting
        if (!frame.isEmpty())
            deliverLocal(target, event, frame, QJsonValue::Undefined, {});
        return;
    }
    // This node's history messages come back in the order it sent them: fill the first gap.
    for (Queued &queued : backlog->queue) {
        if (!queued.ready) {
            queued = Queued{true, target, event, frame};
            break;
        }
    }
    while (!backlog->queue.isEmpty() && backlog->queue.first().ready) {
        const Queued next = backlog->queue.takeFirst();
        if (!next.frame.isEmpty())
            deliverLocal(next.target, next.event, next.frame, QJsonValue::Undefined, {});
    }
    if (backlog->queue.isEmpty())
        m_roomBacklogs.erase(backlog);
}

qsizetype Hub::deliverRemote(const Target &target, const QString &event, const QByteArray &frame)
{
    return deliverLocal(target, event, frame, QJsonValue::Undefined, {});
}

void Hub::releaseSender(const SocketId &sender)
{
    Session *session = sender.isEmpty() ? nullptr : this->session(sender);
    if (!session || session->m_sequencedInFlight == 0)
        return;
    if (--session->m_sequencedInFlight > 0)
        return;
    const QList<QByteArray> held = std::exchange(session->m_heldFrames, {});
    for (const QByteArray &frame : held)
        deliver(session, frame);
}

void Hub::releaseHeldFrames()
{
    // What waited behind messages that will not come back goes out now, in its order.
    const QHash<QString, RoomBacklog> rooms = std::exchange(m_roomBacklogs, {});
    for (const RoomBacklog &room : rooms) {
        for (const Queued &queued : room.queue) {
            if (queued.ready && !queued.frame.isEmpty())
                deliverLocal(queued.target, queued.event, queued.frame, QJsonValue::Undefined, {});
        }
    }
    for (const auto &[id, session] : m_sessions) {
        session->m_sequencedInFlight = 0;
        const QList<QByteArray> held = std::exchange(session->m_heldFrames, {});
        for (const QByteArray &frame : held)
            deliver(session.get(), frame);
    }
}

qsizetype Hub::deliverLocal(const Target &target, const QString &event, const QByteArray &utf8,
                            const QJsonValue &payload, const QByteArray &payloadJson)
{
    const SocketId &excluded = target.excluded();
    qsizetype recipients = 0;
    bool internal = target.scope() != Target::Scope::Socket && isInternalRoute(target.routePath());
    auto deliverAll = [&](const QSet<Session *> &sessions) {
        for (Session *session : sessions) {
            if (!excluded.isEmpty() && session->id() == excluded)
                continue;
            deliver(session, utf8);
            ++recipients;
        }
    };

    switch (target.scope()) {
    case Target::Scope::Socket:
        if (Session *recipient = session(target.socketId()); recipient && recipient->id() != excluded) {
            deliver(recipient, utf8);
            recipients = 1;
            internal = isInternalRoute(recipient->route());
            if (m_metrics && !internal)
                m_metrics->outgoing(recipient->route(), event, 1, utf8.size());
        }
        break;
    case Target::Scope::Room: {
        const auto state = m_routes.constFind(target.routePath());
        if (state != m_routes.cend()) {
            const auto members = state->rooms.constFind(target.roomName());
            if (members != state->rooms.cend())
                deliverAll(*members);
        }
        break;
    }
    case Target::Scope::Route: {
        const auto state = m_routes.constFind(target.routePath());
        if (state != m_routes.cend())
            deliverAll(state->sessions);
        break;
    }
    case Target::Scope::Everyone:
        for (auto state = m_routes.cbegin(); state != m_routes.cend(); ++state) {
            if (isInternalRoute(state.key()))
                continue;
            const qsizetype before = recipients;
            deliverAll(state->sessions);
            if (m_metrics) // per route: the one place a message spans routes
                m_metrics->outgoing(state.key(), event, recipients - before, utf8.size());
        }
        break;
    }
    if (m_metrics && !internal && (target.scope() == Target::Scope::Room || target.scope() == Target::Scope::Route))
        m_metrics->outgoing(target.routePath(), event, recipients, utf8.size());
    if (!internal) // the consoles' own traffic is not the application's
        m_messagesOut += recipients;
    if (isSignalConnected(QMetaMethod::fromSignal(&Hub::messageSent))) {
        protocol::Envelope relayed; // a relayed payload becomes a value only for a watcher
        relayed.payloadJson = payloadJson;
        Q_EMIT messageSent(target, event, recipients, utf8.size(), payloadJson.isEmpty() ? payload : relayed.payload());
    }
    return recipients;
}

void Hub::sendFrame(Session &session, const QString &event, const QByteArray &utf8Frame)
{
    if (session.m_sequencedInFlight > 0 && session.m_heldFrames.size() < MaxHeldFrames) {
        session.m_heldFrames.append(utf8Frame); // after the socket's own messages in flight
    } else {
        // Over the bound the held frames go first: their order among themselves is kept.
        for (const QByteArray &held : std::exchange(session.m_heldFrames, {}))
            deliver(&session, held);
        deliver(&session, utf8Frame);
    }
    if (!isInternalRoute(session.route())) {
        ++m_messagesOut;
        if (m_metrics)
            m_metrics->outgoing(session.route(), event, 1, utf8Frame.size());
    }
    if (isSignalConnected(QMetaMethod::fromSignal(&Hub::messageSent)))
        Q_EMIT messageSent(Target::socket(session.id()), event, 1, utf8Frame.size(), QJsonValue::Undefined);
}

void Hub::sendText(Session &session, const QString &event, const QString &frame)
{
    sendFrame(session, event, frame.toUtf8());
}

bool Hub::disconnect(const SocketId &id, int closeCode, const QString &reason)
{
    Session *target = session(id);
    if (!target)
        return false;
    target->m_connection->close(closeCode, reason);
    return true;
}

void Hub::disconnectAll(int closeCode, const QString &reason)
{
    // close() may detach synchronously; collect the connections first.
    QList<Connection *> connections;
    connections.reserve(qsizetype(m_sessions.size()));
    for (const auto &[id, session] : m_sessions)
        connections.append(session->m_connection);
    for (Connection *connection : connections)
        connection->close(closeCode, reason);
}

Session *Hub::session(const SocketId &id) const
{
    const auto it = m_sessions.find(id);
    return it == m_sessions.end() ? nullptr : it->second.get();
}

QList<const Session *> Hub::sessions(const QString &route) const
{
    QList<const Session *> result;
    for (const auto &[id, session] : m_sessions) {
        if (route.isEmpty() || session->route() == route)
            result.append(session.get());
    }
    return result;
}

QList<RoomInfo> Hub::rooms(const QString &route) const
{
    QList<RoomInfo> result;
    for (auto state = m_routes.cbegin(); state != m_routes.cend(); ++state) {
        if (!route.isEmpty() && state.key() != route)
            continue;
        for (auto room = state->rooms.cbegin(); room != state->rooms.cend(); ++room)
            result.append(RoomInfo{state.key(), room.key(), room->size()});
    }
    std::sort(result.begin(), result.end(), [](const RoomInfo &a, const RoomInfo &b) {
        return std::tie(a.route, a.name) < std::tie(b.route, b.name);
    });
    return result;
}

std::optional<RoomInfo> Hub::room(const QString &route, const QString &name) const
{
    const auto state = m_routes.constFind(route);
    if (state == m_routes.cend())
        return std::nullopt;
    const auto members = state->rooms.constFind(name);
    if (members == state->rooms.cend())
        return std::nullopt;
    return RoomInfo{route, name, members->size()};
}

QList<const Session *> Hub::members(const QString &route, const QString &room) const
{
    QList<const Session *> result;
    const auto state = m_routes.constFind(route);
    if (state == m_routes.cend())
        return result;
    const auto members = state->rooms.constFind(room);
    if (members == state->rooms.cend())
        return result;
    for (Session *session : *members)
        result.append(session);
    return result;
}

void Hub::recordIncoming(Session &session, qsizetype bytes, const protocol::Envelope *envelope)
{
    ++session.m_messagesIn;
    if (!isInternalRoute(session.route())) {
        ++m_messagesIn;
        if (m_metrics)
            m_metrics->incoming(session.route(), envelope ? envelope->event : QString(), bytes);
    }
    if (!isSignalConnected(QMetaMethod::fromSignal(&Hub::eventReceived)))
        return;
    if (envelope)
        Q_EMIT eventReceived(session, envelope->event, envelope->room, bytes, envelope->payload());
    else
        Q_EMIT eventReceived(session, QString(), std::nullopt, bytes, QJsonValue::Undefined);
}

QList<RouteSummary> Hub::routeSummaries() const
{
    QList<RouteSummary> result;
    for (auto state = m_routes.cbegin(); state != m_routes.cend(); ++state)
        result.append(RouteSummary{state.key(), state->sessions.size(), state->rooms.size()});
    return result;
}

qint64 Hub::queuedBytes(const SocketId &id) const
{
    const Session *target = session(id);
    return target ? target->m_connection->queuedBytes() : 0;
}

} // namespace cortado
