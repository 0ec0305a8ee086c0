// Token auth in the handshake shared with REST, roles, ownership, room rules, token lifetime.
// Every attack here is a row: the REST and the WebSocket answers are checked side by side.
#include "auth/auth.h"
#include "exampleapp.h"
#include "testserver.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

using namespace Qt::StringLiterals;
using cortado::auth::Algorithm;
using cortado::auth::TokenConfig;

namespace {

TokenConfig strictConfig()
{
    TokenConfig config = TestServer::tokenConfig();
    config.issuer = u"cortado-tests"_s;
    config.audience = u"cortado"_s;
    return config;
}

QJsonObject goodClaims(const QString &user = u"alice"_s)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    return {{u"sub"_s, user}, {u"name"_s, u"Alice"_s}, {u"roles"_s, QJsonArray{u"editor"_s}},
            {u"iss"_s, u"cortado-tests"_s}, {u"aud"_s, u"cortado"_s}, {u"iat"_s, now}, {u"exp"_s, now + 600}};
}

QByteArray sign(const QJsonObject &claims, TokenConfig config = strictConfig())
{
    return cortado::auth::issueToken(config, claims);
}

QByteArray base64url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray unsignedToken(const QJsonObject &header, const QJsonObject &claims, const QByteArray &signature = {})
{
    return base64url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
            + base64url(QJsonDocument(claims).toJson(QJsonDocument::Compact)) + '.' + signature;
}

QByteArray upgradeRequest(const QByteArray &path, const QByteArray &extraHeaders = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n";
}

// The example app with the strict config, plus /me (REST) and /whoami (WS) that show the user, and
// /vip whose "private:*" rooms are by invitation.
struct AuthServer
{
    std::shared_ptr<cortado::auth::RoomAccessList> invitations = std::make_shared<cortado::auth::RoomAccessList>();
    TestServer server;

    explicit AuthServer(const TokenConfig &config = strictConfig())
        : server([this, config](cortado::Server &s) {
              setupExampleApp(s, config);
              s.router().addRestRoute(u"me.cpp"_s, [](cortado::RestRoute &route) {
                  route.get([](cortado::Context &ctx) {
                      const auto user = cortado::auth::currentUser(ctx);
                      return cortado::HttpResponse::json(user ? QJsonObject{{u"id"_s, user->id}, {u"name"_s, user->name},
                                                                           {u"roles"_s, QJsonArray::fromStringList(user->roles)}}
                                                              : QJsonObject{{u"guest"_s, true}});
                  });
              });
              auto invitations = this->invitations;
              s.router().addWebSocketRoute(u"vip.ws.cpp"_s, [invitations](cortado::WsRoute &route) {
                  route.guardRooms(u"private:*"_s, invitations->guard());
                  route.on(u"me:get"_s, [](cortado::EventContext &ctx) {
                      const auto user = cortado::auth::currentUser(ctx);
                      return cortado::Ack::ok(user ? QJsonObject{{u"id"_s, user->id}, {u"name"_s, user->name},
                                                                 {u"claims"_s, user->claims}}
                                                   : QJsonObject{{u"guest"_s, true}});
                  });
              });
          })
    {
    }
};

} // namespace

class tst_Auth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void refusedTokens_data();
    void refusedTokens();
    void guestsWhereAllowedOnly();
    void validTokenShowsTheUser();
    void tokenSources_data();
    void tokenSources();
    void roleRequired();
    void projectOwnershipAndMembership();
    void userRooms();
    void privateRoomsByInvitation();
    void serverSideJoinBypassesRulesAndIsLogged();
    void expiryWarningThenRefresh();
    void closeAtExpiryWithoutRefresh();
    void farExpiryIsNotCutShort();
    void refreshMustBeValidAndSameUser();
    void rs256AndAlgorithmConfusion();
};

void tst_Auth::refusedTokens_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("reason");

    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonObject claims = goodClaims();
    const QByteArray good = sign(claims);

    QTest::newRow("malformed: one part") << "not-a-token"_ba << u"malformed"_s;
    QTest::newRow("malformed: garbage parts") << "a$.b$.c$"_ba << u"malformed"_s;
    QTest::newRow("malformed: payload not json") << (base64url(R"({"alg":"HS256"})") + '.' + base64url("nope") + ".sig") << u"malformed"_s;
    QByteArray tampered = good;
    tampered[tampered.size() - 2] = tampered.at(tampered.size() - 2) == 'A' ? 'B' : 'A';
    QTest::newRow("bad signature: tampered") << tampered << u"signature"_s;
    TokenConfig otherSecret = strictConfig();
    otherSecret.signingKey = "another-secret-that-is-long-enough-000000";
    QTest::newRow("bad signature: other secret") << sign(claims, otherSecret) << u"signature"_s;
    QJsonObject forged = claims;
    forged.insert(u"roles"_s, QJsonArray{u"admin"_s});
    const QList<QByteArray> parts = good.split('.');
    QTest::newRow("bad signature: payload swapped") << (parts[0] + '.' + base64url(QJsonDocument(forged).toJson(QJsonDocument::Compact)) + '.' + parts[2])
                                                    << u"signature"_s;
    QTest::newRow("alg none") << unsignedToken({{u"alg"_s, u"none"_s}, {u"typ"_s, u"JWT"_s}}, claims) << u"algorithm"_s;
    QTest::newRow("alg none, signature kept") << unsignedToken({{u"alg"_s, u"none"_s}}, claims, parts[2]) << u"algorithm"_s;
    QTest::newRow("alg missing") << unsignedToken({{u"typ"_s, u"JWT"_s}}, claims, parts[2]) << u"algorithm"_s;
    QTest::newRow("HS256 without signature") << unsignedToken({{u"alg"_s, u"HS256"_s}}, claims) << u"signature"_s;
    // HS384 signed with the right secret is still not the configured algorithm.
    QTest::newRow("wrong algorithm") << (base64url(R"({"alg":"HS384","typ":"JWT"})") + '.' + parts[1] + '.' + parts[2])
                                     << u"algorithm"_s;
    QJsonObject expired = claims;
    expired.insert(u"exp"_s, now - 5);
    QTest::newRow("expired") << sign(expired) << u"expired"_s;
    QJsonObject early = claims;
    early.insert(u"nbf"_s, now + 300);
    QTest::newRow("not yet valid") << sign(early) << u"not_yet_valid"_s;
    QJsonObject otherAudience = claims;
    otherAudience.insert(u"aud"_s, QJsonArray{u"billing"_s, u"mail"_s});
    QTest::newRow("wrong audience") << sign(otherAudience) << u"audience"_s;
    QJsonObject otherIssuer = claims;
    otherIssuer.insert(u"iss"_s, u"evil"_s);
    QTest::newRow("wrong issuer") << sign(otherIssuer) << u"issuer"_s;
    QJsonObject noSubject = claims;
    noSubject.remove(u"sub"_s);
    QTest::newRow("no subject") << sign(noSubject) << u"claims"_s;
    QJsonObject textExpiry = claims;
    textExpiry.insert(u"exp"_s, u"tomorrow"_s);
    QTest::newRow("exp not a number") << sign(textExpiry) << u"claims"_s;
    // Numbers no integer holds (found by the token fuzzer): refused for what they are, not "expired".
    QJsonObject hugeExpiry = claims;
    hugeExpiry.insert(u"exp"_s, 1.3e81);
    QTest::newRow("exp beyond any date") << sign(hugeExpiry) << u"claims"_s;
    QJsonObject hugeNotBefore = claims;
    hugeNotBefore.insert(u"nbf"_s, -1e300);
    QTest::newRow("nbf beyond any date") << sign(hugeNotBefore) << u"claims"_s;
}

void tst_Auth::refusedTokens()
{
    QFETCH(QByteArray, token);
    QFETCH(QString, reason);
    AuthServer auth;
    TestServer &server = auth.server;

    // REST: 401 with the reason, on a route that needs a user and on one that welcomes guests.
    for (const QString &path : {u"/api/projects"_s, u"/health"_s}) {
        const HttpReply reply = server.http("GET", path, {}, {{"Authorization", "Bearer " + token}});
        QCOMPARE(reply.status, 401);
        QCOMPARE(reply.json().value("error"_L1).toString(), u"unauthorized"_s);
        QCOMPARE(reply.json().value("details"_L1).toObject().value("reason"_L1).toString(), reason);
    }
    // WebSocket: the upgrade is refused with the same 401, before any socket exists.
    QSignalSpy connected(&server.hub(), &cortado::Hub::connected);
    for (const QByteArray &path : {"/board"_ba, "/chat"_ba}) {
        const HttpReply reply = rawHttp(server, upgradeRequest(path, "Authorization: Bearer " + token + "\r\n"));
        QCOMPARE(reply.status, 401);
        QCOMPARE(reply.json().value("details"_L1).toObject().value("reason"_L1).toString(), reason);
        const HttpReply viaQuery = rawHttp(server, upgradeRequest(path + "?token=" + QUrl::toPercentEncoding(QString::fromLatin1(token))));
        QCOMPARE(viaQuery.status, 401);
    }
    QCOMPARE(connected.size(), 0);

    // The same server keeps serving a valid token.
    const HttpReply valid = server.http("GET", u"/api/projects"_s, {}, {{"Authorization", "Bearer " + sign(goodClaims())}});
    QCOMPARE(valid.status, 200);
}

void tst_Auth::guestsWhereAllowedOnly()
{
    AuthServer auth;
    TestServer &server = auth.server;
    QCOMPARE(server.http("GET", u"/api/projects"_s).status, 401); // REST: needs a user
    QCOMPARE(server.http("GET", u"/health"_s).status, 200); // REST: guests welcome
    QCOMPARE(rawHttp(server, upgradeRequest("/board")).status, 401); // WS: needs a user
    auto guest = server.client(u"/chat"_s); // WS: guests welcome in public rooms
    QVERIFY(guest);
    QVERIFY(guest->join(u"lobby"_s).ok());
}

void tst_Auth::validTokenShowsTheUser()
{
    AuthServer auth;
    TestServer &server = auth.server;
    const QByteArray token = sign(goodClaims());
    const QJsonObject me = server.http("GET", u"/me"_s, {}, {{"Authorization", "Bearer " + token}}).json();
    QCOMPARE(me, (QJsonObject{{u"id"_s, u"alice"_s}, {u"name"_s, u"Alice"_s}, {u"roles"_s, QJsonArray{u"editor"_s}}}));

    auto client = server.client(u"/vip?token="_s + QString::fromLatin1(token));
    QVERIFY(client);
    const QJsonObject wsMe = client->request(u"me:get"_s).payload().toObject();
    QCOMPARE(wsMe.value("id"_L1).toString(), u"alice"_s);
    QCOMPARE(wsMe.value("claims"_L1).toObject().value("aud"_L1).toString(), u"cortado"_s); // other claims too
    QCOMPARE(server.hub().session(client->socketId())->data.value(u"user"_s).toMap().value(u"id"_s).toString(), u"alice"_s);
}

void tst_Auth::tokenSources_data()
{
    QTest::addColumn<QString>("source");
    QTest::newRow("Authorization header") << u"header"_s;
    QTest::newRow("query") << u"query"_s;
    QTest::newRow("subprotocol") << u"subprotocol"_s;
}

void tst_Auth::tokenSources()
{
    QFETCH(QString, source);
    AuthServer auth;
    const QByteArray token = sign(goodClaims());
    QUrl url = auth.server.wsUrl(u"/vip"_s);
    QNetworkRequest request;
    if (source == "header"_L1) {
        request.setRawHeader("Authorization", "Bearer " + token);
    } else if (source == "query"_L1) {
        url.setQuery(u"token="_s + QString::fromLatin1(token));
    } else {
        // What a browser does: new WebSocket(url, ["cortado.v1", "cortado.bearer." + token])
        request.setRawHeader("Sec-WebSocket-Protocol", "cortado.v1, cortado.bearer." + token);
    }
    request.setUrl(url);
    TestClient client;
    QVERIFY(client.open(request));
    QCOMPARE(client.request(u"me:get"_s).payload()[u"id"].toString(), u"alice"_s);
    if (source == "subprotocol"_L1)
        QCOMPARE(client.socket().subprotocol(), u"cortado.v1"_s); // never the token
}

void tst_Auth::roleRequired()
{
    ExampleServer server; // the example app
    auto editor = server.client(u"/board"_s, u"ed"_s, {u"editor"_s});
    auto moderator = server.client(u"/board"_s, u"mo"_s, {u"moderator"_s});
    QVERIFY(editor && moderator);
    QVERIFY(editor->join(u"b"_s).ok());
    QVERIFY(moderator->join(u"b"_s).ok());
    QVERIFY(editor->request(u"board:update"_s, QJsonObject{{u"k"_s, 1}}, u"b"_s).ok());

    const Reply denied = editor->request(u"board:clear"_s, {}, u"b"_s);
    QCOMPARE(denied.ok(), false);
    QCOMPARE(denied.errorCode(), u"forbidden"_s);
    QVERIFY(moderator->expectNoPush(u"board:cleared"_s)); // nothing changed

    QCOMPARE(moderator->request(u"board:clear"_s, {}, u"b"_s).ok(), true);
    QVERIFY(editor->waitFor(u"board:cleared"_s));

    // REST: the admin-only socket action.
    const QString path = u"/api/sockets/%1/rooms/x"_s.arg(editor->socketId());
    const HttpReply guest = server.http("PUT", path);
    QCOMPARE(guest.status, 401);
    const HttpReply notAdmin = server.http("PUT", path, {}, {{"Authorization", "Bearer " + TestServer::token(u"mo"_s, {u"moderator"_s})}});
    QCOMPARE(notAdmin.status, 403);
    QCOMPARE(notAdmin.json().value("error"_L1).toString(), u"forbidden"_s);
}

void tst_Auth::projectOwnershipAndMembership()
{
    ExampleServer server;
    auto bearer = [](const QString &user) {
        return QList<QPair<QByteArray, QByteArray>>{{"Authorization", "Bearer " + TestServer::token(user)}};
    };
    const HttpReply created = server.http("POST", u"/api/projects"_s, R"({"name":"Apollo","members":["bob"]})", bearer(u"alice"_s));
    QCOMPARE(created.status, 201);
    const QString id = created.json().value("id"_L1).toString();
    QCOMPARE(created.json().value("owner"_L1).toString(), u"alice"_s);
    QCOMPARE(server.http("POST", u"/api/projects"_s, R"({"name":"x"})").status, 401); // guests cannot

    // Reading: members yes, others 403, unknown 404.
    QCOMPARE(server.http("GET", u"/api/projects/"_s + id, {}, bearer(u"bob"_s)).status, 200);
    QCOMPARE(server.http("GET", u"/api/projects/"_s + id, {}, bearer(u"carol"_s)).status, 403);
    QCOMPARE(server.http("GET", u"/api/projects/999"_s, {}, bearer(u"carol"_s)).status, 404);

    // Ownership: only alice adds members.
    const HttpReply byMember = server.http("POST", u"/api/projects/%1/members"_s.arg(id), R"({"user":"carol"})", bearer(u"bob"_s));
    QCOMPARE(byMember.status, 403);

    // The project room follows membership.
    auto carol = server.client(u"/chat"_s, u"carol"_s), bob = server.client(u"/chat"_s, u"bob"_s),
         guest = server.client(u"/chat"_s);
    QVERIFY(carol && bob && guest);
    const QString room = u"project:"_s + id;
    QCOMPARE(bob->join(room).ok(), true);
    const Reply refused = carol->join(room);
    QCOMPARE(refused.errorCode(), u"forbidden"_s);
    QCOMPARE(server.hub().room(u"/chat"_s, room)->members, 1); // the refusal changed nothing
    QCOMPARE(guest->join(room).errorCode(), u"unauthorized"_s);

    QCOMPARE(server.http("POST", u"/api/projects/%1/members"_s.arg(id), R"({"user":"carol"})", bearer(u"alice"_s)).status, 200);
    QCOMPARE(carol->join(room).ok(), true);
    const QJsonArray mine = server.http("GET", u"/api/projects"_s, {}, bearer(u"carol"_s)).json().value("projects"_L1).toArray();
    QCOMPARE(mine.size(), 1);
}

void tst_Auth::userRooms()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s), bob = server.client(u"/chat"_s, u"bob"_s),
         guest = server.client(u"/chat"_s);
    QVERIFY(alice && bob && guest);
    QCOMPARE(alice->join(u"user:alice"_s).ok(), true);
    QCOMPARE(bob->join(u"user:alice"_s).errorCode(), u"forbidden"_s);
    QCOMPARE(guest->join(u"user:alice"_s).errorCode(), u"unauthorized"_s);
    QCOMPARE(server.hub().room(u"/chat"_s, u"user:alice"_s)->members, 1);
    // The same rule does not exist on /board: rules are per route.
    auto boardBob = server.client(u"/board"_s, u"bob"_s);
    QVERIFY(boardBob);
    QCOMPARE(boardBob->join(u"user:alice"_s).ok(), true);
}

void tst_Auth::privateRoomsByInvitation()
{
    AuthServer auth;
    auto alice = auth.server.client(u"/vip?token="_s + QString::fromLatin1(sign(goodClaims(u"alice"_s))));
    QVERIFY(alice);
    QCOMPARE(alice->join(u"private:club"_s).errorCode(), u"forbidden"_s);
    auth.invitations->grant(u"private:club"_s, u"alice"_s);
    QCOMPARE(alice->join(u"private:club"_s).ok(), true);
    QCOMPARE(alice->join(u"open-room"_s).ok(), true); // no pattern, no rule
}

void tst_Auth::serverSideJoinBypassesRulesAndIsLogged()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice);
    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(u"server-side join by root: socket %1 -> /chat user:bob"_s.arg(alice->socketId())));
    const HttpReply reply = server.http("PUT", u"/api/sockets/%1/rooms/user:bob"_s.arg(alice->socketId()), {},
                                        {{"Authorization", "Bearer " + TestServer::token(u"root"_s, {u"admin"_s})}});
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value("changed"_L1).toBool(), true);
    QVERIFY(server.hub().session(alice->socketId())->isInRoom(u"user:bob"_s));
    QCOMPARE(server.http("PUT", u"/api/sockets/nope/rooms/x"_s, {},
                         {{"Authorization", "Bearer " + TestServer::token(u"root"_s, {u"admin"_s})}}).status, 404);
}

void tst_Auth::expiryWarningThenRefresh()
{
    ExampleServer server; // warning 2 s before expiry, no leeway
    auto alice = server.client(u"/chat"_s + u"?token="_s + QString::fromLatin1(TestServer::token(u"alice"_s, {}, 3)));
    QVERIFY(alice);
    QVERIFY(alice->waitFor(u"system:token_expiring"_s, 1, 3000));
    const QJsonObject warning = alice->received(u"system:token_expiring"_s).first().value("payload"_L1).toObject();
    QVERIFY(warning.value("expiresAt"_L1).toDouble() > 0);

    const Reply ack = alice->request(u"auth:refresh"_s, QJsonObject{{u"token"_s, QString::fromLatin1(TestServer::token(u"alice"_s, {u"editor"_s}, 60))}});
    QCOMPARE(ack.ok(), true);
    QVERIFY(ack.payload()[u"expiresAt"].toDouble() > warning.value("expiresAt"_L1).toDouble());
    // The old expiry is a server timer, so only time can pass it; the fence then proves that no
    // close was on its way.
    QVERIFY(!alice->waitForDisconnected(3500)); // past the first token's expiry
    QVERIFY(alice->fence());
    QCOMPARE(server.hub().session(alice->socketId())->data.value(u"user"_s).toMap().value(u"roles"_s).toStringList(),
             QStringList{u"editor"_s}); // the new token's claims apply
}

void tst_Auth::closeAtExpiryWithoutRefresh()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s + u"?token="_s + QString::fromLatin1(TestServer::token(u"alice"_s, {}, 2)));
    QVERIFY(alice);
    QVERIFY(alice->waitForDisconnected(4000));
    QCOMPARE(alice->closeCode(), 4010);
    QCOMPARE(alice->closeReason(), u"token expired"_s);
    QVERIFY(alice->received(u"system:token_expiring"_s).size() == 1);
    QTRY_COMPARE(server.hub().sessionCount(), 0);
}

void tst_Auth::farExpiryIsNotCutShort()
{
    // 2^32 ms + 3 s from now: a QTimer's int of milliseconds would wrap to 3 s and close a socket
    // whose token is good for 49 more days (found by the token fuzzer's author).
    ExampleServer server;
    const qint64 ttl = (qint64(1) << 32) / 1000 + 3;
    auto alice = server.client(u"/chat"_s + u"?token="_s + QString::fromLatin1(TestServer::token(u"alice"_s, {}, ttl)));
    QVERIFY(alice);
    // Past the wrapped deadline (a server timer: only time can pass it), then a fence.
    QVERIFY(!alice->waitForDisconnected(4500));
    QVERIFY(alice->join(u"lobby"_s).ok());
    QVERIFY(alice->expectNoPush(u"system:token_expiring"_s));
}

void tst_Auth::refreshMustBeValidAndSameUser()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice);
    const Reply otherUser = alice->request(u"auth:refresh"_s, QJsonObject{{u"token"_s, QString::fromLatin1(TestServer::token(u"mallory"_s))}});
    QCOMPARE(otherUser.errorCode(), u"forbidden"_s);
    const Reply garbage = alice->request(u"auth:refresh"_s, QJsonObject{{u"token"_s, u"x.y.z"_s}});
    QCOMPARE(garbage.errorCode(), u"unauthorized"_s);
    const Reply missing = alice->request(u"auth:refresh"_s, QJsonObject{});
    QCOMPARE(missing.errorCode(), u"bad_payload"_s);
    QCOMPARE(server.hub().session(alice->socketId())->data.value(u"user"_s).toMap().value(u"id"_s).toString(), u"alice"_s);
    QVERIFY(alice->isConnected());
}

void tst_Auth::rs256AndAlgorithmConfusion()
{
    // A fresh key pair, made here: no key material lives in the repository.
    EVP_PKEY *key = EVP_RSA_gen(2048);
    QVERIFY(key);
    auto pem = [key](bool isPrivate) {
        BIO *bio = BIO_new(BIO_s_mem());
        isPrivate ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr)
                  : PEM_write_bio_PUBKEY(bio, key);
        char *data = nullptr;
        const long size = BIO_get_mem_data(bio, &data);
        QByteArray result(data, size);
        BIO_free(bio);
        return result;
    };
    TokenConfig config = strictConfig();
    config.algorithm = Algorithm::RS256;
    config.verificationKey = pem(false);
    config.signingKey = pem(true);
    EVP_PKEY_free(key);

    AuthServer auth(config);
    const QByteArray good = sign(goodClaims(), config);
    QCOMPARE(auth.server.http("GET", u"/me"_s, {}, {{"Authorization", "Bearer " + good}}).json().value("id"_L1).toString(), u"alice"_s);

    // The classic confusion: an HS256 token whose HMAC key is the server's public key.
    TokenConfig attacker = strictConfig();
    attacker.signingKey = config.verificationKey;
    const HttpReply confused = auth.server.http("GET", u"/me"_s, {}, {{"Authorization", "Bearer " + sign(goodClaims(), attacker)}});
    QCOMPARE(confused.status, 401);
    QCOMPARE(confused.json().value("details"_L1).toObject().value("reason"_L1).toString(), u"algorithm"_s);
    QCOMPARE(rawHttp(auth.server, upgradeRequest("/vip", "Authorization: Bearer " + sign(goodClaims(), attacker) + "\r\n")).status, 401);
}

QTEST_GUILESS_MAIN(tst_Auth)
#include "tst_auth.moc"
