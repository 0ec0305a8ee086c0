// GET /health — liveness, a few live numbers, and the storage's state. "status" is "degraded"
// while the database is unreachable or its file unusable (live traffic still flows; writes wait in
// the queue), with the "reason". In a cluster it also names this node and says what it knows of the
// others from their heartbeats (it never waits for them): "degraded" while Redis is away.
// "connections" and "rooms" are this node's; "cluster.connections" and "cluster.nodes" the whole
// cluster's as of the last heartbeats.
#include <cortado/route.h>

#include <cortado/cluster.h>
#include <cortado/storage.h>

#include <QDateTime>

using namespace Qt::StringLiterals;

CORTADO_REST_ROUTE(route)
{
    static const qint64 startedAt = QDateTime::currentMSecsSinceEpoch();
    route.get([](cortado::Context &ctx) {
        QJsonObject health{{u"status"_s, u"ok"_s},
                           {u"uptimeMs"_s, QDateTime::currentMSecsSinceEpoch() - startedAt},
                           {u"connections"_s, ctx.realtime().sessionCount()},
                           {u"rooms"_s, ctx.realtime().rooms().size()}};
        if (const auto *storage = ctx.services().get<cortado::Storage>()) {
            const cortado::StorageStatus status = storage->status();
            health.insert(u"storage"_s, status.toJson());
            if (!status.connected) {
                health.insert(u"status"_s, u"degraded"_s);
                health.insert(u"reason"_s, status.lastError); // e.g. the database file was deleted
            }
        }
        if (const auto *cluster = ctx.services().get<cortado::cluster::Cluster>()) {
            const cortado::cluster::ClusterStatus status = cluster->status();
            health.insert(u"node"_s, status.nodeId);
            QJsonObject clusterJson = status.toJson();
            // Cluster-wide, from the others' last heartbeats (at most ~2 s old): never waits for them.
            qint64 connections = ctx.realtime().sessionCount();
            for (const cortado::cluster::PeerNode &peer : status.peers)
                connections += peer.heartbeat.value("connections"_L1).toInteger();
            clusterJson.insert(u"connections"_s, connections);
            clusterJson.insert(u"nodes"_s, status.peers.size() + 1);
            health.insert(u"cluster"_s, clusterJson);
            if (!status.redisUp) {
                health.insert(u"status"_s, u"degraded"_s);
                const QString storageReason = health.value("reason"_L1).toString();
                health.insert(u"reason"_s, (storageReason.isEmpty() ? QString() : storageReason + u"; "_s)
                                                   + u"redis: "_s + status.lastError);
            }
        }
        return cortado::HttpResponse::json(health);
    });
}
