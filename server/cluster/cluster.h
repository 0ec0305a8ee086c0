// Cluster mode: several Cortado nodes behind one Redis act as one server (docs/cluster.md).
//
// The Cluster is the Hub's Broker: what the hub delivers locally it also publishes once on the bus
// (Redis channel "cortado:bus"), and every other node delivers it to its own recipients. Messages
// into rooms that keep history are numbered by a Redis script (one counter per room, cluster-wide)
// and delivered by every node, the sender's too, in the order Redis numbered them. Nodes announce
// themselves with heartbeats; a node silent for longer than PeerTimeoutMs is gone.
//
// Everything here runs on the hub's thread (RedisLink's callbacks too): no locks.
#pragma once

#include "clusterconfig.h"
#include "core/broker.h"
#include "core/presence.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>

namespace cortado::cluster {

class RedisLink;

// A node as the others last heard of it.
struct PeerNode
{
    QString id;
    QJsonObject heartbeat; // its figures: address, startedAt, connections, rooms, messagesIn/Out
    qint64 lastHeardMs = 0;
};

// What the other nodes answered to a question (Cluster::ask): each live node's answer, and the
// nodes that did not answer in time.
struct ClusterAnswers
{
    QList<std::pair<QString, QJsonObject>> answers; // node id → its answer
    QStringList missing; // live nodes that did not answer within the cluster timeout
    bool partial() const { return !missing.isEmpty(); }
    // `view` with "partial": true and "missingNodes" when some node did not answer.
    QJsonObject marked(QJsonObject view) const;
};

struct ClusterStatus
{
    QString nodeId;
    bool redisUp = false;
    QString lastError; // why the link to Redis is down
    QList<PeerNode> peers; // the other live nodes
    qint64 dropped = 0; // messages for other nodes not sent while Redis was away
    QJsonObject toJson() const;
};

class Cluster : public QObject, public Broker
{
    Q_OBJECT

public:
    static constexpr int HeartbeatMs = 2000;
    static constexpr int PeerTimeoutMs = 8000;

    Cluster(ClusterConfig config, Hub &hub, QObject *parent = nullptr);
    ~Cluster() override;

    const QString &nodeId() const { return m_nodeId; }
    // Presence becomes cluster-wide: this node's parts go to the others, theirs come in.
    void attachPresence(Presence &presence);
    // Becomes the hub's broker and connects to Redis. `address` is this node's URL, for the others.
    void start(const QString &address);
    ClusterStatus status() const;

    // Scatter-gather. Asks every other live node `question` and calls `done` once every one has
    // answered, or after the cluster timeout with the silent ones in `missing` (never waits longer).
    // At most MaxQuestionsInFlight at once: beyond, false and `done` is not called (answer 503).
    // While Redis is away `done` runs at once with every known peer missing.
    static constexpr int MaxQuestionsInFlight = 64;
    using AnswersHandler = std::function<void(const ClusterAnswers &)>;
    bool ask(const QString &question, const QJsonObject &args, AnswersHandler done);
    // What this node answers to `question` from another node (main thread; keep it small: at most
    // MaxAnswerBytes, else the asker gets {"error": "too_large"}).
    static constexpr qsizetype MaxAnswerBytes = 1 << 20;
    using Answerer = std::function<QJsonObject(const QJsonObject &args)>;
    void answer(const QString &question, Answerer answerer);

    // An operator's action on a socket of another node: "disconnect" ({code, reason}), "join" or
    // "leave" ({room}). The node that holds the socket does it (audited there with `actor`) and
    // says whether anything changed. `done(found, changed)`; found false: no live node holds it
    // (or none answered in time). False when too many questions are in flight.
    using ActionHandler = std::function<void(bool found, bool changed)>;
    bool act(const QString &action, const SocketId &socket, const QJsonObject &args, const QString &actor,
             ActionHandler done);

    // Broker
    bool isUp() const override;
    void publish(const Target &target, const QString &event, const QByteArray &frame) override;
    bool publishSequenced(const Target &target, const QString &event, const SocketId &sender,
                          const protocol::FrameParts &parts, qint64 floor) override;

Q_SIGNALS:
    void linkChanged(bool up);
    void peerJoined(const QString &id);
    void peerLost(const QString &id);

private:
    void receive(const QByteArray &channel, const QByteArray &payload);
    void heartbeat();
    void expirePeers();
    void linkDown();
    // This node's presence parts: `full` replaces what the others hold of it; `hello` asks every
    // node that hears it for its own full parts (a node that arrives or comes back).
    void publishPresence(const QList<Presence::RoomParts> &rooms, bool full, bool hello);
    void receivePresence(const QString &node, QByteArrayView body);
    void receiveRequest(const QString &node, QByteArrayView body);
    void receiveReply(const QString &node, QByteArrayView body);
    void finishQuestion(quint64 id);
    void answerBuiltinQuestions();

    ClusterConfig m_config;
    Hub &m_hub;
    Presence *m_presence = nullptr;
    QString m_nodeId;
    QByteArray m_origin; // m_nodeId as bus bytes
    QString m_address;
    qint64 m_startedAtMs = 0;
    std::unique_ptr<RedisLink> m_link;
    QHash<QString, PeerNode> m_peers;
    // Declared gone (id → when): heard again, they are asked for their whole presence. Forgotten
    // after LostPeerMemoryMs, so that nodes restarted with random ids do not pile up here.
    static constexpr qint64 LostPeerMemoryMs = 10 * 60 * 1000;
    QHash<QString, qint64> m_lostPeers;
    QTimer m_heartbeat;
    qint64 m_dropped = 0;

    struct Question
    {
        AnswersHandler done;
        QSet<QString> waiting; // live peers that have not answered yet
        ClusterAnswers answers;
        std::function<bool(const QJsonObject &)> enough; // an answer that ends the wait early
        QTimer *timeout = nullptr;
    };
    QHash<quint64, Question> m_questions;
    quint64 m_nextQuestion = 0;
    QHash<QString, Answerer> m_answerers;
};

} // namespace cortado::cluster
