#pragma once

#include "auth/tokens.h"
#include "testclient.h"
#include "transport/server.h"

#include <QJsonArray>

#include <QByteArray>
#include <QList>
#include <QPair>

#include <functional>
#include <memory>

void registerBuiltinRoutes(cortado::Router &router);
void registerExampleRoutes(cortado::Router &router);

// A raw HTTP/1.1 response as a client saw it.
struct HttpReply
{
    int status = 0; // 0: no complete response arrived
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool closed = false; // the server closed the connection

    QByteArray header(QByteArrayView name) const { return cortado::findHeader(headers, name); }
    QJsonObject json() const;
};

// A real Cortado server on 127.0.0.1 with an OS-assigned port, in the test's own thread.
class TestServer
{
public:
    using Setup = std::function<void(cortado::Server &)>;

    // Without a set-up: the example application, with tokenConfig() for auth.
    explicit TestServer(const Setup &setup = {}, cortado::ServerConfig config = {});
    // Only these routes (no auth unless they install it).
    static Setup routes(std::function<void(cortado::Router &)> define)
    {
        return [define](cortado::Server &server) { define(server.router()); };
    }

    // The default config with storage at `url` ("sqlite:PATH" or a PostgreSQL URL).
    static cortado::ServerConfig withStorage(const QString &url);
    // HS256 with a fixed test secret, no leeway, a 2 s expiry warning.
    static cortado::auth::TokenConfig tokenConfig();
    // A token for `user` signed with tokenConfig(); `ttlSeconds` from now, extra claims merged in.
    static QByteArray token(const QString &user, const QStringList &roles = {}, qint64 ttlSeconds = 3600,
                            const QJsonObject &extraClaims = {});

    bool isListening() const { return m_listening; }
    cortado::Server &server() { return *m_server; }
    cortado::Hub &hub() { return m_server->hub(); }
    // `pathAndQuery` may carry a query: "/secure?key=x".
    QUrl wsUrl(const QString &pathAndQuery) const;
    quint16 port() const { return m_server->port(); }

    // A connected client (welcome received), or nullptr.
    std::unique_ptr<TestClient> client(const QString &path);
    // The same, signed in as `user` (token in the query).
    std::unique_ptr<TestClient> client(const QString &path, const QString &user,
                                       const QStringList &roles = {});

    // Sends raw bytes on a new TCP connection and reads one response.
    HttpReply rawHttp(const QByteArray &request, int timeoutMs = 5000) const;
    HttpReply http(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const QList<QPair<QByteArray, QByteArray>> &headers = {}) const;

private:
    std::unique_ptr<cortado::Server> m_server;
    bool m_listening = false;
};

HttpReply readHttpReply(QTcpSocket &socket, const QByteArray &request, int timeoutMs);
