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
    // When the status was set (ms since the epoch; 0: never, "online" by default). In a cluster
    // the user's parts on several nodes merge into one entry with the latest status set.
    qint64 statusAtMs = 0;

    QJsonObject toJson() const;
    // toJson() with statusAtMs: one node's part of a user, as the cluster bus carries it.
    QJsonObject toPartJson() const;
    static PresenceEntry fromPartJson(const QJsonObject &json);
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
//
// In a cluster (server/cluster) every node keeps the parts the other nodes publish: a user's entry
// is the sum of its parts (alice with a tab on node A and one on node B is one user with two
// connections; she leaves when her last connection anywhere goes), and each node sends its own
// members the diffs of the merged lists.
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

    // Cluster mode. One room's parts of this node's users, as they are now (a part with 0
    // connections: the user has no connection in the room here any more).
    struct RoomParts
    {
        QString route;
        QString room;
        QList<PresenceEntry> users;
    };
    // Called once per flush with the rooms whose parts on this node changed.
    using Publisher = std::function<void(const QList<RoomParts> &changed)>;
    void setPublisher(Publisher publisher) { m_publisher = std::move(publisher); }
    // Every part of this node (what a node that just arrived or came back needs).
    QList<RoomParts> localParts() const;
    // Another node's parts: changes, or (replace) all it has, which drops what it no longer lists.
    void applyRemote(const QString &node, const QList<RoomParts> &rooms, bool replace);
    // A node that is gone: its users leave wherever this was their last connection.
    void dropRemote(const QString &node);

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

    using Entries = QHash<QString, PresenceEntry>; // user key → entry
    // Recomputes the user's entry in a room from its parts, and records what changed for the diff.
    void remerge(const QString &route, const QString &room, const QString &userKey);
    void markLocalChange(const QString &route, const QString &room, const QString &userKey);
    void scheduleFlush();

    void onJoined(const Session &session, const QString &room);
    void onLeft(const Session &session, const QString &room);
    // The presence:state frame of a room: {"users": [...]} from the entries' cached encodings.
    QByteArray stateFrame(const QHash<QString, PresenceEntry> &entries, const QString &room) const;
    static QString roomKey(const QString &route, const QString &room) { return route + u'\n' + room; }

    Hub &m_hub;
    RouteFilter m_tracked;
    QHash<QString, Entries> m_rooms; // route\nroom → the users' entries (every node's parts merged)
    QHash<QString, Entries> m_local; // route\nroom → this node's parts
    QHash<QString, QHash<QString, Entries>> m_remote; // node → route\nroom → its parts
    QHash<QString, PendingRoom> m_pending; // route\nroom → changes not yet sent
    QHash<QString, QSet<QString>> m_localChanges; // route\nroom → users whose part here changed (cluster)
    Publisher m_publisher;
    bool m_flushScheduled = false;
};

} // namespace cortado
