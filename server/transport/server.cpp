#include "server.h"

#include "transport/httpfrontend.h"

#include <QLoggingCategory>
#include <QTimer>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

using namespace Qt::StringLiterals;

namespace cortado {

template<typename Number>
static bool readNumber(const char *variable, Number minimum, Number *out, QString *error)
{
    if (!qEnvironmentVariableIsSet(variable))
        return true;
    bool ok = false;
    const qlonglong value = qEnvironmentVariable(variable).toLongLong(&ok);
    if (!ok || value < qlonglong(minimum) || value > qlonglong(std::numeric_limits<Number>::max())) {
        *error = u"%1 must be a whole number from %2 to %3"_s.arg(
                QString::fromLatin1(variable), QString::number(minimum),
                QString::number(std::numeric_limits<Number>::max()));
        return false;
    }
    *out = Number(value);
    return true;
}

// Seconds in the environment, milliseconds in WebSocketLimits (tests need short intervals).
static bool readSeconds(const char *variable, int minimum, int *outMs, QString *error)
{
    int seconds = *outMs / 1000;
    if (!readNumber(variable, minimum, &seconds, error))
        return false;
    if (qEnvironmentVariableIsSet(variable))
        *outMs = int(qMin(qint64(seconds) * 1000, qint64(std::numeric_limits<int>::max())));
    return true;
}

static bool readWebSocketLimits(WebSocketLimits *limits, QString *error)
{
    return readNumber("CORTADO_MAX_QUEUED_BYTES", qint64(4096), &limits->maxQueuedBytes, error)
            && readNumber("CORTADO_MAX_PINGS_PER_SECOND", 1, &limits->maxPingsPerSecond, error)
            && readNumber("CORTADO_MAX_FRAGMENTS", 1, &limits->maxFragments, error)
            && readSeconds("CORTADO_FRAGMENT_TIMEOUT", 1, &limits->fragmentTimeoutMs, error)
            && readSeconds("CORTADO_PING_INTERVAL", 0, &limits->pingIntervalMs, error)
            && readSeconds("CORTADO_CLOSE_TIMEOUT", 1, &limits->closeTimeoutMs, error);
}

ServerConfig ServerConfig::fromEnvironment(QString *error)
{
    ServerConfig config;
    if (qEnvironmentVariableIsSet("CORTADO_HOST")) {
        const QString host = qEnvironmentVariable("CORTADO_HOST");
        config.host = host == "localhost"_L1 ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
        if (config.host.isNull()) {
            *error = u"CORTADO_HOST must be an IP address, not \"%1\""_s.arg(host);
            return config;
        }
    }
    if (readNumber("CORTADO_PORT", quint16(0), &config.port, error)
        && readNumber("CORTADO_MAX_MESSAGE_SIZE", qint64(1), &config.webSocket.maxMessageSize, error)
        && readNumber("CORTADO_MAX_BODY_SIZE", qint64(0), &config.http.maxBodyBytes, error)
        && readNumber("CORTADO_MAX_HEADER_SIZE", qsizetype(256), &config.http.maxHeaderBytes, error)
        && readWebSocketLimits(&config.webSocket, error))
        error->clear();
    return config;
}

Server::Server(ServerConfig config, QObject *parent)
    : QObject(parent),
      m_config(std::move(config)),
      m_presence(std::make_shared<Presence>(m_hub,
                                            [this](const QString &route) {
                                                const Router::WebSocketEntry *entry = m_router.webSocketRoute(route);
                                                return entry && entry->route.tracksPresence();
                                            })),
      m_gateway(new Gateway(m_config.http, this)),
      m_http(std::make_unique<HttpFrontend>(m_router, m_hub)),
      m_webSockets(std::make_unique<WebSocketFrontend>(m_router, m_hub, m_presence.get(), m_config.webSocket))
{
    // Routes say which rooms keep history; the hub asks when it sends into a room.
    m_hub.history().setPolicyLookup([this](const QString &route, const QString &room) -> std::optional<HistoryPolicy> {
        const Router::WebSocketEntry *entry = m_router.webSocketRoute(route);
        return entry ? entry->route.historyPolicy(room) : std::nullopt;
    });
    m_router.services().provide(m_presence);
    connect(m_gateway, &Gateway::webSocketUpgrade, m_webSockets.get(),
            &WebSocketFrontend::handleUpgrade);
}

Server::~Server()
{
    m_webSockets.reset(); // its connections detach from the hub, which must still exist
    m_http.reset();
}

bool Server::listen(QString *error)
{
    if (!m_router.errors().isEmpty()) {
        *error = u"bad route table:\n  "_s + m_router.errors().join(u"\n  "_s);
        return false;
    }
    if (m_config.storage && !m_storage) {
        auto storage = std::make_shared<Storage>(*m_config.storage);
        if (!storage->open(error))
            return false;
        storage->attach(m_hub);
        m_storage = storage;
        m_router.services().provide(m_storage);
    }
    if (!m_gateway->listen(m_config.host, m_config.port)) {
        *error = u"cannot listen on %1:%2: %3"_s.arg(m_config.host.toString())
                         .arg(m_config.port)
                         .arg(m_gateway->errorString());
        return false;
    }
    m_http->bind(m_gateway); // QHttpServer now takes the plain-HTTP connections the gateway passes on
    return true;
}

quint16 Server::port() const
{
    return m_gateway->serverPort();
}

QUrl Server::httpUrl() const
{
    QUrl url;
    url.setScheme(u"http"_s);
    url.setHost(m_gateway->serverAddress().toString());
    url.setPort(port());
    return url;
}

QUrl Server::webSocketUrl(const QString &path) const
{
    QUrl url = httpUrl();
    url.setScheme(u"ws"_s);
    url.setPath(path);
    return url;
}

void Server::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_gateway->close();
    qCInfo(lcTransport) << "shutting down;" << m_hub.sessionCount() << "WebSocket clients to close";
    // Queued: the hub announces a disconnect before it forgets the session.
    connect(&m_hub, &Hub::disconnected, this, [this] {
        if (m_hub.sessionCount() == 0)
            finishShutdown();
    }, Qt::QueuedConnection);
    QTimer::singleShot(m_config.shutdownGraceMs, this, &Server::finishShutdown);
    m_hub.disconnectAll(protocol::close::GoingAway, u"going away"_s);
    if (m_hub.sessionCount() == 0)
        QMetaObject::invokeMethod(this, &Server::finishShutdown, Qt::QueuedConnection);
}

void Server::finishShutdown()
{
    if (std::exchange(m_stopped, true))
        return;
    if (m_storage) {
        const StorageStatus status = m_storage->status();
        if (status.backlog > 0)
            qCInfo(lcTransport) << "storing" << status.backlog << "queued writes before exit";
        if (!m_storage->flush(m_config.storageFlushMs))
            qCCritical(lcTransport) << "could not store every queued write:" << m_storage->status().lastError;
    }
    Q_EMIT stopped();
}

} // namespace cortado
