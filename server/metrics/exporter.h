// /metrics for one node: the hub's traffic counters (TrafficMetrics) plus what is read at scrape
// time (connections and rooms per route, storage, cluster, I/O loops, the process), in the
// Prometheus text format. Served two ways (docs/metrics.md): GET /metrics on the main port for a
// token with the "admin" or "metrics" role (server/builtin/routes/metrics.cpp), and, when
// ServerConfig::metricsPort is set, on a port of its own without a token (bound to 127.0.0.1 by
// default: whoever reaches it may read the figures).
//
// Thread affinity: the hub's thread; the server owns it and provides it as a service.
#pragma once

#include "traffic.h"

#include <QHostAddress>
#include <QObject>

class QTcpServer;
class QTcpSocket;

namespace cortado {

class Server;

class MetricsExporter : public QObject
{
    Q_OBJECT

public:
    static constexpr const char *ContentType = "text/plain; version=0.0.4; charset=utf-8";
    // Roles that may read GET /metrics on the main port.
    static bool mayScrape(const QStringList &roles)
    {
        return roles.contains(QLatin1String("admin")) || roles.contains(QLatin1String("metrics"));
    }

    explicit MetricsExporter(Server &server, QObject *parent = nullptr);
    ~MetricsExporter() override;

    metrics::TrafficMetrics &traffic() { return m_traffic; }
    // Every metric of this node, now.
    QByteArray scrape() const;

    // The metrics port: answers GET /metrics (and nothing else) without a token. False with
    // `error` when it cannot listen.
    bool listen(const QHostAddress &host, quint16 port, QString *error);
    quint16 port() const; // 0 when not listening

private:
    void serve(QTcpSocket *socket);

    Server &m_server;
    metrics::TrafficMetrics m_traffic;
    QTcpServer *m_listener = nullptr;
};

} // namespace cortado
