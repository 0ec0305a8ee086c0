// A real Cortado server in the test's own process, on 127.0.0.1 with a free port.
#pragma once

#include "auth/tokens.h"
#include "testclient.h"
#include "transport/server.h"

#include <QByteArray>
#include <QList>
#include <QPair>

#include <functional>
#include <memory>

namespace cortado::test {

// An HTTP/1.1 response as the test saw it.
struct HttpReply
{
    int status = 0; // 0: no complete response arrived
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool closed = false; // the server closed the connection

    QByteArray header(QByteArrayView name) const;
    QJsonObject json() const; // the body as a JSON object (empty if it is none)
};

// Starts an app's routes on 127.0.0.1 (port 0: the OS picks a free one) in the test's thread, and
// stops it when destroyed. The event loop runs whenever the test waits (TestClient, http()).
//
//   TestServer server(TestServer::withAuth(registerMyRoutes));   // cortado_add_routes' function
//   QVERIFY(server.isListening());
//   auto alice = server.client(u"/chat"_s, u"alice"_s);           // signed in as "alice"
//   QVERIFY(alice->join(u"lobby"_s).ok());
class TestServer
{
public:
    // Configures the server before it listens: services, middleware, routes.
    using Setup = std::function<void(cortado::Server &)>;
    using Routes = std::function<void(cortado::Router &)>;

    // `config`'s host and port are replaced by 127.0.0.1 and 0. An empty `setup`: no routes.
    explicit TestServer(const Setup &setup, cortado::ServerConfig config = {});

    // Only these routes, no authentication: every client is a guest.
    static Setup routes(Routes define);
    // Token authentication (cortado::auth::install with tokenConfig()), then these routes: clients
    // from client(path, user, roles) are signed in, client(path) is a guest.
    static Setup withAuth(Routes define);

    // The default config with storage at `url` ("sqlite:PATH" or a PostgreSQL URL).
    static cortado::ServerConfig withStorage(const QString &url);
    // HS256 with a fixed test secret, no leeway, a 2 s expiry warning.
    static cortado::auth::TokenConfig tokenConfig();
    // A token for `user` (claims sub = user, name = user in capitals, roles) signed with
    // tokenConfig(), valid `ttlSeconds` from now; `extraClaims` are merged in.
    static QByteArray token(const QString &user, const QStringList &roles = {},
                            qint64 ttlSeconds = 3600, const QJsonObject &extraClaims = {});

    // False if listen() failed (the reason was logged with qWarning).
    bool isListening() const { return m_listening; }
    cortado::Server &server() { return *m_server; }
    cortado::Hub &hub() { return m_server->hub(); }
    quint16 port() const { return m_server->port(); }
    // ws://127.0.0.1:<port><path>; `pathAndQuery` may carry a query: "/secure?key=x".
    QUrl wsUrl(const QString &pathAndQuery) const;

    // A connected client (system:welcome received), or nullptr if the handshake was refused.
    std::unique_ptr<TestClient> client(const QString &path);
    // The same, signed in as `user` with `roles` (a token() in the query).
    std::unique_ptr<TestClient> client(const QString &path, const QString &user,
                                       const QStringList &roles = {});

    // One request on a fresh connection; a JSON body gets Content-Type: application/json.
    HttpReply http(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const QList<QPair<QByteArray, QByteArray>> &headers = {}) const;
    HttpReply get(const QString &path, const QByteArray &token = {}) const;
    HttpReply post(const QString &path, const QJsonObject &body, const QByteArray &token = {}) const;

private:
    std::unique_ptr<cortado::Server> m_server;
    bool m_listening = false;
};

} // namespace cortado::test
