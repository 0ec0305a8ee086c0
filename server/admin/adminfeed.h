// The admin channel: a built-in WebSocket route, /_admin, for the console.
//
// Users with the "admin" role watch and act; "observer" may only watch. On connect the console gets
// one admin:snapshot (counts and the first page of sockets and rooms), then the pages it shows
// (admin:query asks for one; admin:page pushes it again when it changed) with deltas for the rows on
// them only, admin:counters every second, and — when it asks with admin:tap — the traffic it
// filtered for. 100,000 sockets cost a console a page, not 100,000 rows. The tap never slows the server: it is filtered
// here, capped per console per second (the rest is counted as dropped), and a console whose backlog
// passes a bound is disconnected (4101) instead of being waited for. docs/admin.md lists the messages.
#pragma once

#include "adminviews.h"
#include "core/hub.h"
#include "metrics/traffic.h"
#include "routing/routes.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>

namespace cortado {

class Server;
namespace cluster {
class Cluster;
struct ClusterAnswers;
}

struct AdminLimits
{
    int tapPerSecond = 500; // traffic events per console per second; more are counted as dropped
    qint64 maxQueuedBytes = 1024 * 1024; // a console further behind than this is disconnected
};

class AdminFeed : public QObject
{
    Q_OBJECT

public:
    // Registers /_admin on the server's router; call before listen(). The feed is owned by the server.
    static AdminFeed *install(Server &server, AdminLimits limits = {});

private:
    AdminFeed(Server &server, AdminLimits limits);

    struct TapFilter
    {
        bool enabled = false;
        bool payloads = false;
        QSet<QString> routes, events, rooms, sockets;
        // Follow users: their traffic in, and what is sent to their sockets or rooms. userSockets
        // are the followed users' sockets on this node, kept current as they come and go.
        QSet<QString> users;
        QSet<SocketId> userSockets;
        bool in = true, out = true;
        bool matches(const QString &route, const QString &event, const QString &room,
                     const QString &socket, bool incoming) const;
        bool concernsUsers(const Hub &hub, const QString &route, const QString &room, const QString &socket) const;
    };
    struct Console
    {
        bool canAct = false; // admin (true) or observer
        QString actor;
        TapFilter tap;
        int sentThisSecond = 0;
        qint64 dropped = 0;
        // The pages this console shows (its last admin:query per view, or the defaults), the ids on
        // them (deltas go for these only) and the last page sent (admin:page only when it changed).
        adminviews::Query socketsQuery = adminviews::Query::defaults(adminviews::Query::View::Sockets);
        adminviews::Query roomsQuery = adminviews::Query::defaults(adminviews::Query::View::Rooms);
        QSet<SocketId> shownSockets;
        // Where the sockets page ends: a new socket that sorts before it (or any, while the page
        // is not full) is shown at once, so that its deltas are not lost before the next page.
        adminviews::SortValue lastShownSocket;
        bool socketsPageFull = false;
        QSet<QString> shownRooms; // roomKey(route, room)
        QByteArray lastSocketsPage, lastRoomsPage;
        // The socket page's last admin:socket_info: its rates are the change since then.
        struct Sample
        {
            QString socket;
            qint64 in = 0, out = 0, atMs = 0;
        } lastInfo;
    };
    static QString roomKey(const QString &route, const QString &room) { return route + u'\n' + room; }

    // An action on a socket this node does not hold: the cluster's node that holds it does it.
    Ack actElsewhere(EventContext &ctx, const QString &action, const SocketId &socket, const QJsonObject &args);
    void attach(Session &session);
    void detach(const Session &session);
    QJsonObject snapshot(const SocketId &consoleId);
    // The event catalog (docs/admin.md, "Event catalog"): every WebSocket route's events with what
    // describe() said of them, and the events every route answers. Local: every node of a cluster
    // has the same routes.
    QJsonObject catalogJson() const;
    // Tokens for the playground's test clients. Bounded so a forgotten test token dies soon.
    static constexpr qint64 DefaultMintedTokenSeconds = 3600;
    static constexpr qint64 MaxMintedTokenSeconds = 24 * 3600;
    static constexpr qsizetype MaxMintedRoles = 16;
    Ack mintToken(EventContext &ctx) const;
    // This node's page for `query`: {view, filter, sort, offset, limit, rows, total, matched}.
    // `maxBytes` > 0 stops early ("truncated": true), for cluster answers. A rooms page also
    // counts m_remoteRooms (a room on several nodes is one row whose members are the sum), so in
    // a cluster it is the cluster's page as of the last "rooms" answer.
    QJsonObject localPage(const adminviews::Query &query, qsizetype maxBytes = 0) const;
    Ack query(const SocketId &consoleId, const adminviews::Query &query);
    // A cluster's sockets page: every node's first offset + limit matches, merged and cut.
    QJsonObject mergedPage(const adminviews::Query &query, const cluster::ClusterAnswers &answers) const;
    // The other nodes' rooms as their last answer to the cluster question "rooms" said (route\nroom
    // → members there), and who did not answer. Empty on a single node. Refreshed with every rooms
    // page asked for (admin:query) or pushed (admin:page); bounded by what the nodes answer (each
    // answer at most Cluster::MaxAnswerBytes).
    struct RemoteRooms
    {
        QHash<QString, qint64> members;
        QStringList missing; // nodes that did not answer (or answered an error, e.g. too_large)
        qint64 membersOf(const QString &key) const { return members.value(key); }
    };
    // Asks every node for its rooms, keeps the answer in m_remoteRooms, then calls `then` (at once
    // on a single node). False when the cluster has too many questions in flight.
    bool refreshRemoteRooms(std::function<void()> then);
    // A room's members over the cluster, for the rooms page's live figures (roomSummaries, admin:joined).
    qint64 clusterMembers(const QString &route, const QString &room, qint64 local) const;
    // Makes `page` the console's shown page of its view; false when it is the page last sent.
    bool remember(const SocketId &consoleId, const adminviews::Query &query, const QJsonObject &page);
    // Something a page may show changed: pages are recomputed at most every PageRefreshMs.
    static constexpr int PageRefreshMs = 250;
    void pagesMayHaveChanged();
    void showIfOnPage(const Session &session);
    void pushPages(); // in a cluster, after asking every node for its rooms
    void pushPagesNow();
    // Details (docs/admin.md, "Details"): one socket, one room, a page of a room's history.
    static constexpr qsizetype MaxRoomMembers = 500; // and users, listed by admin:room; the totals count all
    // A room row (pages, the snapshot) and admin:presence carry this many users and the count: a
    // page of 100 rooms of 1,000 users each would otherwise weigh 100,000 entries.
    static constexpr qsizetype MaxPresenceInRow = 20;
    QJsonObject presenceJson(const QString &route, const QString &room, qsizetype max) const; // {users, count}
    static constexpr qsizetype DefaultHistoryPage = 50, MaxHistoryPage = 200;
    QJsonObject socketInfo(const Session &session) const; // without rates: the asking node adds them
    QJsonObject withRates(const SocketId &consoleId, QJsonObject info);
    Ack socketInfoAnywhere(const SocketId &consoleId, const SocketId &socket);
    // admin:room over the cluster: this node's part and every other node's (the cluster question
    // "room"), merged. Presence needs no asking: every node keeps every node's presence.
    Ack roomInfo(const QString &route, const QString &room);
    // This node's part of a room for admin:room: {members (the first MaxRoomMembers, each with
    // this node's id in a cluster), membersTotal, and what its history replica holds:
    // historyLength?, offset?, oldestOffset?}.
    QJsonObject localRoomMembers(const QString &route, const QString &room) const;
    Ack roomInfoAnswer(const QString &route, const QString &room, const QJsonObject &local,
                       const cluster::ClusterAnswers &answers) const;
    // admin:history: in a cluster every node's page (the cluster question "history"), merged.
    Ack historyPage(const QJsonObject &request);
    // This node's rows of a room's history older than `before`, newest first (at most pageSize;
    // `maxBytes` > 0 stops early for a cluster answer), with {offset, historyLength, oldestOffset?,
    // more, hasMembers (whether the room has members here)}.
    QJsonObject localHistoryPage(const QString &route, const QString &room, qint64 before, qsizetype pageSize,
                                 qsizetype maxBytes = 0) const;
    Ack historyAnswer(const QString &route, const QString &room, qsizetype pageSize, const QJsonObject &local,
                      const cluster::ClusterAnswers &answers) const;
    // A delta to the consoles that show the socket or the room only.
    void sendToShowing(const SocketId &socket, const QString &roomKey, const QString &event, const QJsonObject &payload);
    QJsonObject socketJson(const Session &session) const;
    QJsonObject roomJson(const RoomInfo &room) const;
    void broadcast(const QString &event, const QJsonValue &payload); // to every console
    void send(const SocketId &console, const QString &event, const QJsonValue &payload);
    void tap(const QString &route, const QString &event, const QString &room, const QString &socket,
             bool incoming, qsizetype bytes, const QJsonValue &payload, qsizetype recipients);
    void updateTapConnections();
    static QString userIdOf(const Session &session);
    void tick();
    // The change of the hub's traffic totals since the last tick: byte, error, slow-consumer,
    // refused-handshake and per-route rates and the handlers' p50/p99 (docs/admin.md, admin:counters).
    void addTrafficRates(QJsonObject &counters, const QHash<QString, qint64> &connectionsByRoute);
    bool isConsole(const SocketId &id) const { return m_consoles.contains(id); }

    // Cluster views (docs/admin.md, "Nodes"). On a single node "nodes" lists this node alone.
    static constexpr qsizetype MaxSocketsPerNode = 10'000; // in an admin:sockets answer, per node
    QJsonArray nodesJson() const;
    QJsonObject clusterJson() const; // {redis, lastError?}; empty on a single node
    QJsonObject nodesDelta() const; // the admin:nodes payload
    void sampleRates(); // messages per second of every node, from its last two heartbeats
    // This node's sockets for admin:sockets (here or asked by another node): at most
    // MaxSocketsPerNode and under the cluster's answer cap, else "truncated": true.
    QJsonObject localSockets() const;
    Ack socketsOfEveryNode();

    Server &m_server;
    Hub &m_hub;
    AdminLimits m_limits;
    QHash<SocketId, Console> m_consoles;
    QTimer m_ticker;
    QTimer m_pageTimer; // single shot: coalesces page refreshes
    QMetaObject::Connection m_tapIn, m_tapOut; // while a console taps
    qint64 m_lastIn = 0, m_lastOut = 0;
    metrics::TrafficMetrics::Totals m_lastTotals; // at the last tick
    qint64 m_startedAt;

    cluster::Cluster *m_cluster = nullptr; // null on a single node
    RemoteRooms m_remoteRooms; // cleared when the last console leaves: never shown stale
    bool m_askingRooms = false; // one "rooms" question at a time for the pushed pages
    struct RateSample
    {
        qint64 total = -1; // messages in + out at `atMs`; -1: none yet
        qint64 atMs = 0;
        double perSecond = 0;
    };
    RateSample m_selfRate;
    QHash<QString, RateSample> m_peerRates;
    QTimer m_nodesTicker; // admin:nodes every heartbeat period
};

} // namespace cortado
