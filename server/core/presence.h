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
//   the joining socket  ← presence:state {"users": [...]}        (the full list, at once, before the ack)
//   the room            ← presence:diff  {"joins": [...], "leaves": [{"id"}], "updates": [...]}
// Changes are coalesced per room per event-loop turn: the first change schedules one flush (a queued
// call, so it runs before the server reads its next frame), which sends each changed room ONE diff,
// encoded once, with the net change since the previous diff (a user who came and went within the
// turn costs nothing; a user's second tab, or closing one of two, changes no one's list and sends
// nothing). A diff may repeat what a joiner's state already showed: clients apply it idempotently
// (see docs/protocol.md).
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
    // The room's list changed (users came, went, or set a status): once per room per flush, after
    // its presence:diff went out.
    void changed(const QString &route, const QString &room);

private:
    // A user whose entry changed since the room's last diff.
    struct Touched
    {
        bool wasPresent = false; // in the room when the last diff went out
        bool updated = false; // status set, or left and came back: its fields may differ
    };
    struct PendingRoom
    {
        QString route;
        QString room;
        QHash<QString, Touched> users; // user key → what happened this turn
        // The socket that got presence:state after the last change: it already knows everything the
        // diff says, so the diff skips it (the common single join costs the joiner nothing).
        SocketId upToDate;
    };

    // Records a change of `userKey` in a room and schedules the flush.
    Touched &touch(const QString &route, const QString &room, const QString &userKey, bool wasPresent);
    void flush();
    QJsonObject diffPayload(const QHash<QString, PresenceEntry> *entries, const PendingRoom &pending) const;

    void onJoined(const Session &session, const QString &room);
    void onLeft(const Session &session, const QString &room);
    // The presence:state frame of a room: {"users": [...]} from the entries' cached encodings.
    QByteArray stateFrame(const QHash<QString, PresenceEntry> &entries, const QString &room) const;
    static QString roomKey(const QString &route, const QString &room) { return route + u'\n' + room; }

    Hub &m_hub;
    RouteFilter m_tracked;
    QHash<QString, QHash<QString, PresenceEntry>> m_rooms; // route\nroom → user key → entry
    QHash<QString, PendingRoom> m_pending; // route\nroom → changes not yet sent
};

} // namespace cortado
