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

    ClusterConfig m_config;
    Hub &m_hub;
    Presence *m_presence = nullptr;
    QString m_nodeId;
    QByteArray m_origin; // m_nodeId as bus bytes
    QString m_address;
    qint64 m_startedAtMs = 0;
    std::unique_ptr<RedisLink> m_link;
    QHash<QString, PeerNode> m_peers;
    QTimer m_heartbeat;
    qint64 m_dropped = 0;
};

} // namespace cortado::cluster
