#pragma once

#include "hub.h"

#include <QJsonObject>
#include <QObject>

namespace cortado {

// Who is in a room: users, not sockets. Two tabs of one user are one entry with two connections.
// Guests are entries of their own ("guest-<socket id>").
struct PresenceEntry
{
    QString id;
    QString name;
    QString status = QStringLiteral("online");
    QDateTime since; // when the user's first connection joined
    int connections = 0;
    bool guest = false;

    QJsonObject toJson() const;
    // toJson() as compact JSON, kept current by Presence whenever the entry changes: a joiner's
    // presence:state is assembled from these instead of re-encoding every member per join.
    QByteArray encoded;
};

// Tracks presence in the rooms of the routes that ask for it (WsRoute::trackPresence()) by
// watching the hub's joins and leaves, and tells the room:
//   the joining socket  ← presence:state  {"users": [...]}           (the full list, once)
//   the others          ← presence:join   {"user": {...}}             (a user's first connection)
//   the room            ← presence:leave  {"user": {"id": ...}}       (a user's last connection)
//   the room            ← presence:update {"user": {...}}             (status changed)
// Main thread only, like the hub.
class Presence : public QObject
{
    Q_OBJECT

public:
    using RouteFilter = std::function<bool(const QString &route)>;
    Presence(Hub &hub, RouteFilter tracked, QObject *parent = nullptr);

    // The room's users, oldest first (by `since`, then id).
    QList<PresenceEntry> list(const QString &route, const QString &room) const;
    bool isTracked(const QString &route) const { return m_tracked(route); }
    // Sets the status of the session's user in `room` (the session must be a member); tells the room.
    bool setStatus(const Session &session, const QString &room, const QString &status);

    // The presence key of a session: the user id, or "guest-<socket id>".
    static QString userKey(const Session &session);

Q_SIGNALS:
    // The room's list changed (a user came, went, or set a status).
    void changed(const QString &route, const QString &room);

private:
    void onJoined(const Session &session, const QString &room);
    void onLeft(const Session &session, const QString &room);
    // The presence:state frame of a room: {"users": [...]} from the entries' cached encodings.
    QByteArray stateFrame(const QHash<QString, PresenceEntry> &entries, const QString &room) const;
    static QString roomKey(const QString &route, const QString &room) { return route + u'\n' + room; }

    Hub &m_hub;
    RouteFilter m_tracked;
    QHash<QString, QHash<QString, PresenceEntry>> m_rooms; // route\nroom → user key → entry
};

} // namespace cortado
