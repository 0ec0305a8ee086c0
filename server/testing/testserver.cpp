#include "testserver.h"

#include "auth/auth.h"
#include "httpwire.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;

namespace cortado::test {

QByteArray HttpReply::header(QByteArrayView name) const
{
    return cortado::findHeader(headers, name);
}

QJsonObject HttpReply::json() const
{
    return QJsonDocument::fromJson(body).object();
}

TestServer::Setup TestServer::routes(Routes define)
{
    return [define = std::move(define)](cortado::Server &server) { define(server.router()); };
}

TestServer::Setup TestServer::withAuth(Routes define)
{
    return [define = std::move(define)](cortado::Server &server) {
        cortado::auth::install(server.router(), server.hub(),
                               std::make_shared<const cortado::auth::TokenVerifier>(tokenConfig()));
        define(server.router());
    };
}

cortado::ServerConfig TestServer::withStorage(const QString &url)
{
    cortado::ServerConfig config;
    cortado::StorageConfig storage;
    storage.url = url;
    config.storage = storage;
    return config;
}

cortado::auth::TokenConfig TestServer::tokenConfig()
{
    cortado::auth::TokenConfig config;
    config.verificationKey = config.signingKey = "cortado-test-secret-0123456789-abcdefghij";
    config.leewaySeconds = 0;
    config.expiryWarningSeconds = 2;
    return config;
}

QByteArray TestServer::token(const QString &user, const QStringList &roles, qint64 ttlSeconds,
                             const QJsonObject &extraClaims)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonObject claims{{u"sub"_s, user}, {u"name"_s, user.toUpper()},
                       {u"roles"_s, QJsonArray::fromStringList(roles)}, {u"iat"_s, now},
                       {u"exp"_s, now + ttlSeconds}};
    for (auto it = extraClaims.begin(); it != extraClaims.end(); ++it)
        claims.insert(it.key(), *it);
    return cortado::auth::issueToken(tokenConfig(), claims);
}

TestServer::TestServer(const Setup &setup, cortado::ServerConfig config)
{
    config.host = QHostAddress::LocalHost;
    config.port = 0;
    m_server = std::make_unique<cortado::Server>(std::move(config));
    if (setup)
        setup(*m_server);
    QString error;
    m_listening = m_server->listen(&error);
    if (!m_listening)
        qWarning("TestServer: %s", qPrintable(error));
}

QUrl TestServer::wsUrl(const QString &pathAndQuery) const
{
    const QUrl relative(pathAndQuery);
    QUrl url = m_server->webSocketUrl(relative.path());
    url.setQuery(relative.query());
    return url;
}

std::unique_ptr<TestClient> TestServer::client(const QString &path)
{
    auto client = std::make_unique<TestClient>();
    if (!client->open(wsUrl(path)))
        return nullptr;
    return client;
}

std::unique_ptr<TestClient> TestServer::client(const QString &path, const QString &user,
                                               const QStringList &roles)
{
    const QChar separator = path.contains(u'?') ? u'&' : u'?';
    return client(path + separator + u"token="_s + QString::fromLatin1(token(user, roles)));
}

HttpReply readHttpReply(QTcpSocket &socket, const QByteArray &request, int timeoutMs)
{
    HttpReply reply;
    QByteArray buffer;
    QObject guard; // scopes the connection below to this call
    QObject::connect(&socket, &QTcpSocket::disconnected, &guard, [&reply] { reply.closed = true; });
    reply.closed = socket.state() != QAbstractSocket::ConnectedState;
    socket.write(request);
    qsizetype headEnd = -1;
    qsizetype length = -1;
    [[maybe_unused]] const bool complete = QTest::qWaitFor(
            [&] {
                buffer += socket.readAll();
                if (headEnd < 0) {
                    headEnd = buffer.indexOf("\r\n\r\n");
                    if (headEnd < 0)
                        return reply.closed;
                    const QList<QByteArray> lines = buffer.first(headEnd).split('\n');
                    reply.status = lines.first().split(' ').value(1).toInt();
                    for (qsizetype i = 1; i < lines.size(); ++i) {
                        const QByteArray line = lines.at(i).trimmed();
                        const qsizetype colon = line.indexOf(':');
                        reply.headers.append({line.first(colon).trimmed(), line.sliced(colon + 1).trimmed()});
                    }
                    length = reply.header("content-length").toLongLong();
                }
                return buffer.size() - headEnd - 4 >= length || reply.closed;
            },
            timeoutMs);
    if (headEnd >= 0)
        reply.body = buffer.sliced(headEnd + 4);
    else
        reply.status = 0;
    return reply;
}

HttpReply exchangeHttp(quint16 port, const QByteArray &request, int timeoutMs)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }, timeoutMs))
        return {};
    return readHttpReply(socket, request, timeoutMs);
}

HttpReply TestServer::http(const QByteArray &method, const QString &path, const QByteArray &body,
                           const QList<QPair<QByteArray, QByteArray>> &headers) const
{
    QByteArray request = method + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto &[name, value] : headers)
        request += name + ": " + value + "\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH")
        request += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n";
    request += "\r\n" + body;
    return exchangeHttp(port(), request, 5000);
}

static QList<QPair<QByteArray, QByteArray>> bearer(const QByteArray &token)
{
    if (token.isEmpty())
        return {};
    return {{"Authorization", "Bearer " + token}};
}

HttpReply TestServer::get(const QString &path, const QByteArray &token) const
{
    return http("GET", path, {}, bearer(token));
}

HttpReply TestServer::post(const QString &path, const QJsonObject &body, const QByteArray &token) const
{
    return http("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), bearer(token));
}

} // namespace cortado::test
