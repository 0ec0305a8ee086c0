#pragma once

#include "broker.h"
#include "error.h"
#include "history.h"
#include "session.h"
#include "target.h"

#include <cortado/protocol.h>

#include <QJsonValue>
#include <QObject>

#include <memory>
#include <optional>
#include <unordered_map>

namespace cortado {

namespace metrics {
class TrafficMetrics;
}

// A server → client event before encoding.
struct Message
{
    QString event;
    QJsonValue payload = QJsonValue::Undefined;
    std::optional<QString> room;
    QString from; // sender's socket id; empty for server-originated messages
    bool ephemeral = false; // never recorded in room history (presence diffs, typing signals)
    // When set, the payload as compact JSON, sent as is (`payload` is then not used): a client's
    // payload passed on without a JSON tree (EventContext::relay).
    QByteArray payloadJson = {};
    // Delivered on this node only, never handed to a cluster broker (each node sends its own
    // presence diffs, computed from the whole cluster's presence).
    bool localOnly = false;
};

// What send() did.
struct Delivery
{
    qsizetype recipients = 0;
    std::optional<qint64> offset; // set for rooms that keep history (on a single node)
    // Cluster mode, a room that keeps history: the cluster gives the offset, and the message reaches
    // its recipients, this node's too, a moment later (recipients is 0, offset unset). The sender
    // still gets the message before anything else the server sends it afterwards (its ack).
    bool pending = false;
    bool refused = false; // nothing was sent (history could not be recorded, or no room to send to)
    // Why, as a protocol error code: "overloaded" (storage cannot take it now, or too many rooms keep
    // history; retry later), "forbidden" (the history admission refused it, e.g. a guest opening
    // one room too many) or "bad_room" (a broadcast from an event that named no room).
    QString refusedCode;
    QString refusedMessage; // for the client; empty: a default text for the code

    // The refusal as the error a handler returns to its client (std::nullopt when it was sent):
    //   if (auto error = ctx.broadcast(u"chat:message"_s, ctx.payload()).error()) return *error;
    // `overloaded` is Error::overloaded (503 over HTTP), `forbidden` Error::forbidden.
    std::optional<Error> error() const;
};

// One route's sockets and rooms right now (Hub::routeSummaries()).
struct RouteSummary
{
    QString route;
    qsizetype sessions = 0;
    qsizetype rooms = 0;
};

struct RoomInfo
{
    QString route;
    QString name;
    qsizetype members = 0;
};

// The hub owns every connected session and every room, and delivers messages to targets.
//
// The hot path (send) is plain containers and direct calls: a message is encoded once and the
// same frame is handed to every recipient's Connection. Signals sit at the edges so that logs,
// metrics and the admin feed can watch without touching handlers; they carry references that are
// valid only during the emission.
//
// Thread affinity: the hub and its sessions live on one thread (the main thread); transports on
// other threads reach it through queued calls. A cluster broker (Redis) will sit behind send():
// local delivery stays as is, and the broker relays the encoded frame to other nodes.
class Hub : public QObject
{
    Q_OBJECT

public:
    explicit Hub(QObject *parent = nullptr);
    ~Hub() override;

    // Registers a new connection on `route` and announces it. The connection must outlive the
    // session: call detach() from the transport when it goes away.
    Session &attach(const QString &route, const QString &remoteAddress, QVariantMap data,
                    Connection *connection);
    // Removes a session, leaving all its rooms (empty rooms disappear).
    void detach(const SocketId &id, int closeCode);

    // Room membership. Both return false when nothing changed (already in / not in the room).
    // These are the raw operations: the event dispatcher checks room guards before calling join().
    bool join(Session &session, const QString &room);
    bool leave(Session &session, const QString &room);

    // Server-side membership changes (REST handlers, the admin console): no room guards apply, and
    // each one is logged to "cortado.audit" with `actor`. False when the socket does not exist or
    // nothing changed.
    bool serverJoin(const SocketId &id, const QString &room, const QString &actor);
    bool serverLeave(const SocketId &id, const QString &room, const QString &actor);

    // Encodes `message` once and queues it to every session the target names. A message into a
    // room that keeps history first gets the room's next offset and is recorded (and persisted
    // through the history sink, which may refuse it).
    Delivery send(const Target &target, const Message &message);
    // Queues an already encoded frame (an ack, a system message) to one session; `event` names it
    // for watchers.
    void sendFrame(Session &session, const QString &event, const QByteArray &utf8Frame);
    void sendText(Session &session, const QString &event, const QString &frame);

    // Asks one socket (or all) to close with a WebSocket close code.
    bool disconnect(const SocketId &id, int closeCode, const QString &reason);
    void disconnectAll(int closeCode, const QString &reason);

    Session *session(const SocketId &id) const;
    qsizetype sessionCount() const { return qsizetype(m_sessions.size()); }
    QList<const Session *> sessions(const QString &route = {}) const;
    QList<RoomInfo> rooms(const QString &route = {}) const;
    std::optional<RoomInfo> room(const QString &route, const QString &name) const;
    QList<const Session *> members(const QString &route, const QString &room) const;
    // Every route with sockets, internal ones included (isInternalRoute() tells them apart).
    QList<RouteSummary> routeSummaries() const;

    History &history() { return m_history; }
    // Called with every new history entry (and the room's policy) before it is delivered; returning
    // false refuses the message. Storage installs one to persist history in the background.
    using HistorySink = std::function<bool(const QString &route, const QString &room, const HistoryEntry &,
                                           const HistoryPolicy &)>;
    void setHistorySink(HistorySink sink) { m_historySink = std::move(sink); }
    // Asked before a message opens the history of a room that has none yet: true lets it. The
    // Server installs one that caps how many such rooms guests may open.
    using HistoryAdmission = std::function<bool(const Target &target, const Message &message)>;
    void setHistoryAdmission(HistoryAdmission admission) { m_historyAdmission = std::move(admission); }

    // Cluster mode (server/cluster): messages for other nodes go to the broker; null: one node.
    void setBroker(Broker *broker) { m_broker = broker; }
    Broker *broker() const { return m_broker; }
    // A message another node sent: delivered to this node's recipients, never handed back to the
    // broker. Returns the recipients.
    qsizetype deliverRemote(const Target &target, const QString &event, const QByteArray &frame);
    // A message into a history room as the broker sequenced it, in offset order, on every node.
    // `own`: this node published it (from `sender`, maybe empty): it is stored here (once in the
    // cluster), and the sender's held frames follow it. An offset at or below the room's latest is
    // a repeat and ignored; a gap above it makes "since" inside the gap unrecoverable.
    void deliverSequenced(const Target &target, const QString &event, qint64 offset, const QByteArray &frame,
                          const SocketId &sender, bool own);
    // A message publishSequenced() took but could not sequence (the broker went away): delivered
    // to this node's recipients without an offset and not recorded.
    void deliverUnsequenced(const Target &target, const QString &event, const QByteArray &frame,
                            const SocketId &sender);
    // The broker lost its link: nothing in flight will come back; every held frame goes out.
    void releaseHeldFrames();
    // Frames held for one socket at most (cluster mode); past it they go out, in their order, ahead
    // of the socket's history messages still in flight.
    static constexpr qsizetype MaxHeldFrames = 256;
    // Asked before a message is sequenced by the cluster (it is stored when it comes back): true
    // when storage can take `bytes` more now. Storage installs one.
    using HistoryCapacity = std::function<bool(qint64 bytes)>;
    void setHistoryCapacity(HistoryCapacity capacity) { m_historyCapacity = std::move(capacity); }

    // Called by the event dispatcher for every parsed client frame (for counters and watchers).
    // `envelope` is null for a frame that did not parse.
    void recordIncoming(Session &session, qsizetype bytes, const protocol::Envelope *envelope = nullptr);

    // Bytes waiting to be written to this socket (0 when unknown).
    qint64 queuedBytes(const SocketId &id) const;

    // Routes whose path starts with "/_" (the admin feed) are internal: Target::everyone() skips
    // them, and watchers should not report their traffic as the application's.
    static bool isInternalRoute(const QString &route) { return route.startsWith(QLatin1String("/_")); }

    // The application's traffic since start (internal routes not counted): events received, and
    // messages delivered (one per recipient). Counted here, so that nobody needs the per-message
    // signals below for totals: they are emitted only while something is connected to them.
    qint64 messagesIn() const { return m_messagesIn; }
    qint64 messagesOut() const { return m_messagesOut; }

    // Counters for /metrics (server/metrics), written on this thread as messages pass (by route
    // and event), and by the dispatcher and front end through metrics(); null: nothing counted.
    // Internal routes are not counted. Not owned.
    void setMetrics(metrics::TrafficMetrics *metrics) { m_metrics = metrics; }
    metrics::TrafficMetrics *metrics() const { return m_metrics; }

Q_SIGNALS:
    void connected(const cortado::Session &session);
    void disconnected(const cortado::Session &session, int closeCode);
    void joined(const cortado::Session &session, const QString &room);
    void left(const cortado::Session &session, const QString &room);
    void roomClosed(const QString &route, const QString &room);
    void eventReceived(const cortado::Session &session, const QString &event,
                       const std::optional<QString> &room, qsizetype bytes, const QJsonValue &payload);
    void messageSent(const cortado::Target &target, const QString &event, qsizetype recipients,
                     qsizetype bytes, const QJsonValue &payload);

private:
    struct RouteState
    {
        QSet<Session *> sessions;
        QHash<QString, QSet<Session *>> rooms;
    };

    SocketId newSocketId() const;
    void deliver(Session *session, const QByteArray &utf8);
    // To this node's recipients of `target`; counts and tells watchers. Returns the recipients.
    qsizetype deliverLocal(const Target &target, const QString &event, const QByteArray &utf8,
                           const QJsonValue &payload, const QByteArray &payloadJson);
    Delivery sendSequenced(const Target &target, const Message &message, qint64 floor);
    void releaseSender(const SocketId &sender);
    // This node's own history message (or, the broker gone, the same unnumbered) in its place
    // in the room's order: delivered with whatever waited behind it.
    void deliverInOrder(const Target &target, const QString &event, const QByteArray &frame);
    static QString roomKey(const Target &target) { return target.routePath() + u'\n' + target.roomName(); }
    void removeFromRoom(RouteState &state, Session &session, const QString &room);

    std::unordered_map<SocketId, std::unique_ptr<Session>> m_sessions;
    QHash<QString, RouteState> m_routes;
    History m_history;
    HistorySink m_historySink;
    HistoryAdmission m_historyAdmission;
    HistoryCapacity m_historyCapacity;
    Broker *m_broker = nullptr;
    // Cluster mode: rooms with this node's history messages on their way through the broker. Until
    // they come back, what follows them into the room (messages without history: presence, typing)
    // waits behind them, so that a sender's order holds for this node's members as on the others.
    struct Queued
    {
        bool ready = false; // false: this node's history message, not back from the broker yet
        Target target = Target::everyone();
        QString event;
        QByteArray frame; // empty when it came back as a repeat: nothing to deliver
    };
    struct RoomBacklog
    {
        QList<Queued> queue; // oldest first; messages without history wait at most MaxHeldFrames
    };
    QHash<QString, RoomBacklog> m_roomBacklogs; // route + '\n' + room
    qint64 m_messagesIn = 0, m_messagesOut = 0;
    metrics::TrafficMetrics *m_metrics = nullptr;
};

} // namespace cortado
