#pragma once

#include "core/hub.h"
#include "core/presence.h"
#include "storage/storage.h"
#include "cluster/clusterconfig.h"
#include "routing/admission.h"
#include "routing/router.h"
#include "transport/gateway.h"
#include "transport/websocketfrontend.h"

#include <QHostAddress>
#include <QObject>
#include <QUrl>

#include <memory>

namespace cortado {

namespace cluster {
class Cluster;
}

class HttpFrontend;
class MetricsExporter;

// Serve https and wss on the one port: PEM files, read by Server::listen().
struct TlsConfig
{
    QString certificateFile; // the certificate (chain), PEM
    QString keyFile; // its private key, PEM, unencrypted
};

// The server's part of cortado::Config (config/config.h), which fills it from defaults, the
// environment and command-line options; tests and embedders may also set the fields directly.
struct ServerConfig
{
    QHostAddress host = QHostAddress::LocalHost;
    quint16 port = 8080;
    GatewayLimits http;
    WebSocketLimits webSocket;
    // Event loops that own sockets, the hub's thread included: 1 runs everything on one thread;
    // N spreads sockets over the hub's thread and N-1 I/O threads (handlers still run on the
    // hub's thread); 0: one per core.
    int ioThreads = 0;
    int shutdownGraceMs = 3000; // how long shutdown() waits for clients to answer the close frame
    int storageFlushMs = 10'000; // how long shutdown() waits for queued writes to be stored
    std::optional<StorageConfig> storage; // none: nothing is persisted
    RateLimits limits; // events, REST requests, handshakes and sockets per address
    QStringList allowedOrigins; // WebSocket upgrades from a browser must come from one of these; empty: any
    // Rooms that may keep history in memory (CORTADO_MAX_HISTORY_ROOMS); a message that would open
    // one more is refused `overloaded`.
    qsizetype maxHistoryRooms = History::DefaultMaxRooms;

    std::optional<TlsConfig> tls; // none: plain http and ws
    // Cluster mode: set by --redis (CORTADO_REDIS_URL), with the node id (a random one unless
    // --node-id) and the cluster timeout. std::nullopt: a single node, no Redis.
    std::optional<cluster::ClusterConfig> cluster;
    // A port of its own for GET /metrics, no token needed (CORTADO_METRICS_PORT; 0: any free
    // port); std::nullopt: none (GET /metrics on the main port still answers a token with the
    // "admin" or "metrics" role). Bound to metricsHost, the loopback by default.
    std::optional<quint16> metricsPort;
    QHostAddress metricsHost = QHostAddress::LocalHost;
};

// The composition of one Cortado node: router, hub, gateway, REST and WebSocket front ends.
// Register routes on router() before listen(); the router is read-only afterwards.
class Server : public QObject
{
    Q_OBJECT

public:
    explicit Server(ServerConfig config = {}, QObject *parent = nullptr);
    ~Server() override;

    Router &router() { return m_router; }
    Hub &hub() { return m_hub; }
    Presence &presence() { return *m_presence; }
    Storage *storage() { return m_storage.get(); } // null without ServerConfig::storage
    cluster::Cluster *cluster() { return m_cluster.get(); } // null without ServerConfig::cluster
    WebSocketFrontend &webSockets() { return *m_webSockets; }
    // Prometheus metrics of this node (also a service, for the /metrics route).
    MetricsExporter &metrics() { return *m_metrics; }

    // Opens storage (restoring history), then listens; false with `error` set on a bad route
    // table, an unusable database, an unreadable or mismatched TLS certificate/key or an
    // unavailable port.
    bool listen(QString *error);
    quint16 port() const;
    QUrl httpUrl() const; // https:// with TLS
    Gateway &gateway() { return *m_gateway; }
    QUrl webSocketUrl(const QString &path) const; // wss:// with TLS

    // Stops accepting, closes every WebSocket with 1001 "going away", waits for the clients to
    // answer (or the grace period), stores every queued write, then emits stopped().
    void shutdown();

Q_SIGNALS:
    void stopped();

private:
    void finishShutdown();

    ServerConfig m_config;
    Router m_router;
    Hub m_hub;
    std::shared_ptr<Presence> m_presence;
    std::shared_ptr<Storage> m_storage;
    std::shared_ptr<cluster::Cluster> m_cluster;
    std::shared_ptr<MetricsExporter> m_metrics;
    Gateway *m_gateway; // owned by m_http once bound
    std::unique_ptr<HttpFrontend> m_http;
    std::unique_ptr<WebSocketFrontend> m_webSockets;
    Admission *m_admission;
    bool m_admissionComplete = false;
    bool m_stopping = false;
    bool m_stopped = false;
};

} // namespace cortado
