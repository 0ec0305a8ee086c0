#pragma once

#include "session.h"

#include <QString>

namespace cortado {

// Who a message goes to, as a value: Target::room(u"/chat"_s, u"lobby"_s).except(sender).
// Rooms belong to one WebSocket route, so "/chat" and "/board" may both have a "lobby".
class Target
{
public:
    enum class Scope { Socket, Room, Route, Everyone };

    static Target socket(SocketId id) { return Target(Scope::Socket, {}, {}, std::move(id)); }
    static Target room(QString route, QString room)
    {
        return Target(Scope::Room, std::move(route), std::move(room), {});
    }
    static Target route(QString route) { return Target(Scope::Route, std::move(route), {}, {}); }
    static Target everyone() { return Target(Scope::Everyone, {}, {}, {}); }

    // The same target without one socket (typically the sender).
    Target except(SocketId id) const
    {
        Target copy = *this;
        copy.m_except = std::move(id);
        return copy;
    }

    Scope scope() const { return m_scope; }
    const QString &routePath() const { return m_route; }
    const QString &roomName() const { return m_room; }
    const SocketId &socketId() const { return m_socket; }
    const SocketId &excluded() const { return m_except; }

private:
    Target(Scope scope, QString route, QString room, SocketId socket)
        : m_scope(scope), m_route(std::move(route)), m_room(std::move(room)),
          m_socket(std::move(socket))
    {
    }

    Scope m_scope;
    QString m_route;
    QString m_room;
    SocketId m_socket;
    SocketId m_except;
};

} // namespace cortado
