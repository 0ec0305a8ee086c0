#include "server.h"

#include "cluster/cluster.h"
#include "metrics/exporter.h"

#include "routing/rooms.h"
#include "transport/httpfrontend.h"

#include <QFile>
#include <QLoggingCategory>
#include <QSslKey>
#include <QSslSocket>
#include <QThread>
#include <QTimer>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

using namespace Qt::StringLiterals;

namespace cortado {

// Reads and checks the PEM files: both parse, and the key belongs to the certificate (Qt would
// only find out at the first handshake).
static std::optional<QSslConfiguration> loadTls(const TlsConfig &files, QString *error)
{
    if (!QSslSocket::supportsSsl()) {
        *error = u"TLS is not available (no TLS backend in this Qt)"_s;
        return std::nullopt;
    }
    const auto read = [error](const QString &path, const QString &what) -> std::optional<QByteArray> {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = u"cannot read the TLS %1 %2: %3"_s.arg(what, path, file.errorString());
            return std::nullopt;
        }
        return file.readAll();
    };
    const std::optional<QByteArray> certificatePem = read(files.certificateFile, u"certificate"_s);
    const std::optional<QByteArray> keyPem = certificatePem ? read(files.keyFile, u"key"_s) : std::nullopt;
    if (!keyPem)
        return std::nullopt;

    BIO *certificateBio = BIO_new_mem_buf(certificatePem->constData(), int(certificatePem->size()));
    X509 *x509 = PEM_read_bio_X509(certificateBio, nullptr, nullptr, nullptr);
    BIO_free(certificateBio);
    BIO *keyBio = BIO_new_mem_buf(keyPem->constData(), int(keyPem->size()));
    EVP_PKEY *privateKey = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
    BIO_free(keyBio);
    const bool matches = x509 && privateKey && X509_check_private_key(x509, privateKey) == 1;
    const int keyType = privateKey ? EVP_PKEY_base_id(privateKey) : EVP_PKEY_NONE;
    X509_free(x509);
    EVP_PKEY_free(privateKey);
    ERR_clear_error();
    if (!x509 || !privateKey || !matches) {
        *error = !x509 ? u"%1 is not a PEM certificate"_s.arg(files.certificateFile)
                : !privateKey ? u"%1 is not an unencrypted PEM private key"_s.arg(files.keyFile)
                              : u"the TLS key %1 does not belong to the certificate %2"_s.arg(
                                        files.keyFile, files.certificateFile);
        return std::nullopt;
    }

    const QList<QSslCertificate> chain = QSslCertificate::fromData(*certificatePem, QSsl::Pem);
    const QSsl::KeyAlgorithm algorithm = keyType == EVP_PKEY_RSA ? QSsl::Rsa
            : keyType == EVP_PKEY_EC                             ? QSsl::Ec
            : keyType == EVP_PKEY_DSA                            ? QSsl::Dsa
                                                                 : QSsl::Opaque;
    const QSslKey key(*keyPem, algorithm, QSsl::Pem);
    if (chain.isEmpty() || key.isNull()) {
        *error = u"Qt cannot use the TLS certificate %1 / key %2 (RSA, EC or DSA keys only)"_s.arg(
                files.certificateFile, files.keyFile);
        return std::nullopt;
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // clients need no certificate
    return configuration;
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
      m_http(std::make_unique<HttpFrontend>(m_router, m_hub, m_config.http)),
      m_webSockets(std::make_unique<WebSocketFrontend>(m_router, m_hub, m_config.webSocket, m_config.ioThreads > 0 ? m_config.ioThreads : qMax(1, QThread::idealThreadCount()))),
      m_admission(new Admission(m_config.limits, m_config.allowedOrigins, m_hub, this))
{
    // Handshake limits run first, before a token is even looked at; REST limits are added at
    // listen(), after the application's middleware, so they see the signed-in user.
    m_router.setRateLimits(m_config.limits);
    m_router.use(m_admission->handshakes());
    // Routes say which rooms keep history; the hub asks when it sends into a room.
    m_hub.history().setPolicyLookup([this](const QString &route, const QString &room) -> std::optional<HistoryPolicy> {
        const Router::WebSocketEntry *entry = m_router.webSocketRoute(route);
        return entry ? entry->route.historyPolicy(room) : std::nullopt;
    });
    m_hub.setHistoryAdmission([this](const Target &target, const Message &message) {
        return m_admission->admitsHistory(target, message);
    });
    m_hub.history().setMaxRooms(m_config.maxHistoryRooms);
    m_router.services().provide(m_presence);
    m_metrics = std::make_shared<MetricsExporter>(*this);
    m_hub.setMetrics(&m_metrics->traffic());
    m_router.services().provide(m_metrics);
    if (m_config.cluster) {
        m_cluster = std::make_shared<cluster::Cluster>(*m_config.cluster, m_hub);
        m_cluster->attachPresence(*m_presence);
        m_router.services().provide(m_cluster);
    }
    rooms::install(m_router, m_hub); // room:join, room:leave, presence:update
    connect(m_gateway, &Gateway::webSocketUpgrade, m_webSockets.get(),
            &WebSocketFrontend::handleUpgrade);
    connect(m_gateway, &Gateway::httpConnection, m_http.get(), &HttpFrontend::handleConnection);
}

Server::~Server()
{
    m_hub.setBroker(nullptr); // the cluster may outlive the hub in the services
    m_hub.setMetrics(nullptr); // and so may the metrics
    m_webSockets.reset(); // its connections detach from the hub, which must still exist
    m_http.reset();
}

bool Server::listen(QString *error)
{
    if (!m_router.errors().isEmpty()) {
        *error = u"bad route table:\n  "_s + m_router.errors().join(u"\n  "_s);
        return false;
    }
    if (!std::exchange(m_admissionComplete, true))
        m_router.use(m_admission->requests());
    if (m_config.storage && !m_storage) {
        auto storage = std::make_shared<Storage>(*m_config.storage);
        if (!storage->open(error))
            return false;
        storage->attach(m_hub);
        m_storage = storage;
        m_router.services().provide(m_storage);
    }
    // Every service is in place now: a route that needs one the app did not provide stops here.
    if (const QStringList missing = m_router.missingServices(); !missing.isEmpty()) {
        *error = u"missing services:\n  "_s + missing.join(u"\n  "_s);
        return false;
    }
    if (m_config.tls) {
        std::optional<QSslConfiguration> tls = loadTls(*m_config.tls, error);
        if (!tls)
            return false;
        m_gateway->setTlsConfiguration(*tls);
    }
    // The default (50) drops SYNs of a connect burst; the kernel caps it at net.core.somaxconn.
    m_gateway->setListenBacklogSize(m_config.http.listenBacklog);
    if (!m_gateway->listen(m_config.host, m_config.port)) {
        *error = u"cannot listen on %1:%2: %3"_s.arg(m_config.host.toString())
                         .arg(m_config.port)
                         .arg(m_gateway->errorString());
        return false;
    }
    if (m_config.metricsPort && !m_metrics->port()
        && !m_metrics->listen(m_config.metricsHost, *m_config.metricsPort, error)) {
        m_gateway->close();
        return false;
    }
    if (m_cluster)
        m_cluster->start(httpUrl().toString());
    return true;
}

quint16 Server::port() const
{
    return m_gateway->serverPort();
}

QUrl Server::httpUrl() const
{
    QUrl url;
    url.setScheme(m_gateway->isTls() ? u"https"_s : u"http"_s);
    url.setHost(m_gateway->serverAddress().toString());
    url.setPort(port());
    return url;
}

QUrl Server::webSocketUrl(const QString &path) const
{
    QUrl url = httpUrl();
    url.setScheme(m_gateway->isTls() ? u"wss"_s : u"ws"_s);
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
