// What handlers and hooks may do with the live side of the server, instead of the whole Hub.
#pragma once

#include "core/hub.h"
#include "core/services.h"

#include <QJsonValue>

// Qt's `emit` keyword macro would eat the name of Realtime::emit() and SocketContext::emit().
#if defined(emit)
#  error "Cortado headers need Qt's emit keyword off: define QT_NO_KEYWORDS or QT_NO_EMIT (use Q_EMIT)"
#endif

namespace cortado {

class Router;
class SocketContext;

// The server's realtime side as handlers, hooks and REST routes see it: send to any target, read
// rooms and counts, and move sockets between rooms server-side (no room guards; every change is
// logged to "cortado.audit"). It never hands out sessions or raw frame senders.
//
// Main thread only, like the hub. Contexts hand out a reference valid for the handler's call.
class Realtime
{
public:
    Realtime(Hub &hub, const Router &router);

    const Services &services() const;

    // Sends `event` to `target` as the server (no "from"); a room target fills in "room".
    Delivery emit(const Target &target, const QString &event,
                  const QJsonValue &payload = QJsonValue::Undefined);
    // The same with every field of the message under the caller's control (from, ephemeral).
    Delivery send(const Target &target, const Message &message);

    qsizetype sessionCount() const;
    bool hasSocket(const SocketId &id) const;
    // The route ("/chat") of a connected socket; empty when there is no such socket.
    QString routeOf(const SocketId &id) const;
    // Live rooms (all routes when `route` is empty), one room, and its members' socket ids.
    QList<RoomInfo> rooms(const QString &route = {}) const;
    std::optional<RoomInfo> room(const QString &route, const QString &name) const;
    QList<SocketId> members(const QString &route, const QString &room) const;

    // Whether `room` of `route` keeps history, and what the server holds of it in memory after
    // offset `since` (storage may hold more: Storage::readHistory()).
    bool keepsHistory(const QString &route, const QString &room) const;
    QList<HistoryEntry> historySince(const QString &route, const QString &room, qint64 since) const;

    // Server-side membership of any socket: no room guard, no room limit; logged to cortado.audit
    // with `actor`. False when the socket does not exist, the room name is invalid, or nothing
    // changed.
    bool serverJoin(const SocketId &id, const QString &room, const QString &actor);
    bool serverLeave(const SocketId &id, const QString &room, const QString &actor);

private:
    friend class SocketContext;
    friend class EventContext;

    Hub &m_hub;
    const Router &m_router;
};

} // namespace cortado
