#include "exporter.h"

#include "cluster/cluster.h"
#include "transport/server.h"

#include <QFile>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace cortado {

using metrics::TextWriter;
using Type = TextWriter::Type;

namespace {

// utime + stime (fields 14 and 15 of /proc/self/stat, in clock ticks), after the command name,
// which is in parentheses and may hold spaces.
double processCpuSeconds()
{
    QFile file(u"/proc/self/stat"_s);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = file.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    const double ticks = double(fields.at(11).toLongLong() + fields.at(12).toLongLong());
    return ticks / double(sysconf(_SC_CLK_TCK));
}

qint64 residentBytes()
{
    QFile file(u"/proc/self/statm"_s);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = file.readAll().split(' ');
    return fields.size() < 2 ? -1 : fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE);
}

} // namespace

MetricsExporter::MetricsExporter(Server &server, QObject *parent) : QObject(parent), m_server(server) { }

MetricsExporter::~MetricsExporter() = default;

QByteArray MetricsExporter::scrape() const
{
    TextWriter writer;
    QList<RouteSummary> routes = m_server.hub().routeSummaries();
    routes.removeIf([](const RouteSummary &summary) { return Hub::isInternalRoute(summary.route); });
    std::sort(routes.begin(), routes.end(),
              [](const RouteSummary &a, const RouteSummary &b) { return a.route < b.route; });
    writer.family("cortado_connections", Type::Gauge, "Open WebSockets on this node, by route.");
    for (const RouteSummary &route : routes)
        writer.sample("cortado_connections", {{"route", route.route}}, qint64(route.sessions));
    writer.family("cortado_rooms", Type::Gauge, "Rooms with members on this node, by route.");
    for (const RouteSummary &route : routes)
        writer.sample("cortado_rooms", {{"route", route.route}}, qint64(route.rooms));

    m_traffic.write(writer);

    // Counted on the I/O threads already (atomics), read here.
    writer.family("cortado_io_loop_connections", Type::Gauge,
                  "Sockets owned by each event loop (0: the hub's thread), internal routes included.");
    const QList<int> perLoop = m_server.webSockets().connectionsPerLoop();
    for (qsizetype i = 0; i < perLoop.size(); ++i)
        writer.sample("cortado_io_loop_connections", {{"loop", QString::number(i)}}, qint64(perLoop.at(i)));
    writer.family("cortado_heavy_jobs_in_flight", Type::Gauge, "Heavy handlers queued or running on the worker pool.");
    writer.sample("cortado_heavy_jobs_in_flight", {}, qint64(m_server.webSockets().heavyJobsInFlight()));

    if (const Storage *storage = m_server.storage()) {
        const StorageStatus status = storage->status();
        writer.family("cortado_storage_up", Type::Gauge, "1 while the database is reachable and usable.");
        writer.sample("cortado_storage_up", {}, qint64(status.connected ? 1 : 0));
        writer.family("cortado_storage_queue_depth", Type::Gauge, "Writes accepted but not committed yet.");
        writer.sample("cortado_storage_queue_depth", {}, status.backlog);
        writer.family("cortado_storage_queue_bytes", Type::Gauge, "Bytes of those writes, as counted against the queue's limit.");
        writer.sample("cortado_storage_queue_bytes", {}, status.backlogBytes);
        writer.family("cortado_storage_commit_lag_seconds", Type::Gauge,
                      "How long the oldest write not committed yet has waited (0: none waits).");
        writer.sample("cortado_storage_commit_lag_seconds", {}, double(status.commitLagMs) / 1000.0);
        writer.family("cortado_storage_writes_total", Type::Counter, "Writes committed since start.");
        writer.sample("cortado_storage_writes_total", {}, status.written);
        writer.family("cortado_storage_failures_total", Type::Counter, "Failed batch attempts since start (each is retried).");
        writer.sample("cortado_storage_failures_total", {}, status.failures);
    }

    if (const cluster::Cluster *cluster = m_server.cluster()) {
        const cluster::ClusterStatus status = cluster->status();
        writer.family("cortado_cluster_redis_up", Type::Gauge, "1 while this node's link to Redis is up.");
        writer.sample("cortado_cluster_redis_up", {}, qint64(status.redisUp ? 1 : 0));
        writer.family("cortado_cluster_nodes", Type::Gauge, "Live nodes in the cluster as this node knows them, itself included.");
        writer.sample("cortado_cluster_nodes", {}, qint64(status.peers.size() + 1));
        writer.family("cortado_cluster_dropped_total", Type::Counter,
                      "Messages for other nodes not sent while Redis was away.");
        writer.sample("cortado_cluster_dropped_total", {}, status.dropped);
    }

    writer.family("cortado_process_cpu_seconds_total", Type::Counter, "User and system CPU time of the process.");
    writer.sample("cortado_process_cpu_seconds_total", {}, processCpuSeconds());
    writer.family("cortado_process_resident_memory_bytes", Type::Gauge, "Resident set size of the process.");
    writer.sample("cortado_process_resident_memory_bytes", {}, residentBytes());
    return writer.text();
}

bool MetricsExporter::listen(const QHostAddress &host, quint16 port, QString *error)
{
    if (!m_listener) {
        m_listener = new QTcpServer(this);
        connect(m_listener, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_listener->nextPendingConnection())
                serve(socket);
        });
    }
    if (!m_listener->listen(host, port)) {
        *error = u"cannot listen for metrics on %1:%2: %3"_s.arg(host.toString()).arg(port).arg(m_listener->errorString());
        return false;
    }
    return true;
}

quint16 MetricsExporter::port() const
{
    return m_listener && m_listener->isListening() ? m_listener->serverPort() : 0;
}

// One request per connection, answered and closed: what a scraper needs, and nothing to abuse.
void MetricsExporter::serve(QTcpSocket *socket)
{
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(10'000, socket, [socket] { socket->abort(); });
    connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
        if (socket->property("answered").toBool())
            return;
        const QByteArray head = socket->peek(8192);
        const qsizetype end = head.indexOf("\r\n\r\n");
        if (end < 0 && head.size() < 8192)
            return; // not complete yet
        socket->setProperty("answered", true);
        const QList<QByteArray> requestLine = head.left(head.indexOf("\r\n")).split(' ');
        const QByteArray method = requestLine.value(0), target = requestLine.value(1);
        QByteArray status = "200 OK", type = ContentType, body;
        if (end < 0) {
            status = "431 Request Header Fields Too Large";
        } else if (method != "GET" && method != "HEAD") {
            status = "405 Method Not Allowed";
        } else if (target != "/metrics" && !target.startsWith("/metrics?")) {
            status = "404 Not Found";
            type = "text/plain; charset=utf-8";
            body = "only /metrics is served here\n";
        } else {
            body = scrape();
        }
        QByteArray response = "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n";
        if (method != "HEAD")
            response += body;
        socket->write(response);
        socket->disconnectFromHost();
    });
}

} // namespace cortado
