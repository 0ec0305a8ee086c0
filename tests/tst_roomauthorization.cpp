// One room authorization for REST and WebSocket: the rules a route declares for its rooms are asked
// by room:join and by every REST route that reads or writes a room. Each attack is tried as a guest
// (no token) and with someone else's token, and a normal client keeps being served.
#include "exampleapp.h"
#include "testserver.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers bearer(const QByteArray &token)
{
    return {{"Authorization", "Bearer " + token}};
}

Headers as(const QString &user, const QStringList &roles = {})
{
    return bearer(TestServer::token(user, roles));
}

const QByteArray ApiKey = "an-api-key-for-the-tests-0123456789abcdef";

// The example app with an API key configured.
TestServer::Setup withApiKey()
{
    return [](cortado::Server &server) {
        cortado::auth::TokenConfig tokens = TestServer::tokenConfig();
        tokens.apiKey = ApiKey;
        setupExampleApp(server, tokens);
    };
}

} // namespace

class tst_RoomAuthorization : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void restReadsAskTheRoomRules_data();
    void restReadsAskTheRoomRules();
    void roomListShowsOnlyReadableRooms();
    void tokenRequiredRouteNeedsATokenOverRest();
    void publishingOverRestIsAPrivilege_data();
    void publishingOverRestIsAPrivilege();
    void reservedEventsCannotBePublished_data();
    void reservedEventsCannotBePublished();
    void adminEmitRefusesReservedEvents();
    void apiKeyIsNotAWebSocketToken();
};

void tst_RoomAuthorization::restReadsAskTheRoomRules_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("caller"); // "", "bob", "alice", "admin"
    QTest::addColumn<int>("status");
    const QStringList paths{u"/api/rooms/user:alice/history"_s, u"/api/rooms/user:alice/presence"_s,
                            u"/api/rooms/user:alice"_s};
    for (const QString &path : paths) {
        const QByteArray name = path.toUtf8();
        QTest::newRow(name + " as a guest") << path << ""_ba << 401;
        QTest::newRow(name + " as bob") << path << "bob"_ba << 403;
        QTest::newRow(name + " as alice") << path << "alice"_ba << 200;
        QTest::newRow(name + " as an admin") << path << "admin"_ba << 200;
    }
}

void tst_RoomAuthorization::restReadsAskTheRoomRules()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, caller);
    QFETCH(int, status);
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice);
    QVERIFY(alice->join(u"user:alice"_s).ok());
    QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"my secret"_s}}, u"user:alice"_s)
                    .ok());

    Headers headers;
    if (caller == "admin")
        headers = as(u"root"_s, {u"admin"_s});
    else if (!caller.isEmpty())
        headers = as(QString::fromLatin1(caller));
    const HttpReply reply = server.http("GET", path, {}, headers);
    QCOMPARE(reply.status, status);
    if (status != 200) {
        QVERIFY(!reply.body.contains("my secret"));
        QVERIFY(!reply.body.contains(alice->socketId().toUtf8()));
        QCOMPARE(reply.json().value("error"_L1).toString(),
                 status == 401 ? u"unauthorized"_s : u"forbidden"_s);
    }
    // Alice is still served.
    QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"again"_s}}, u"user:alice"_s)
                    .ok());
}

void tst_RoomAuthorization::roomListShowsOnlyReadableRooms()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice);
    QVERIFY(alice->join(u"user:alice"_s).ok());
    QVERIFY(alice->join(u"lobby"_s).ok());

    auto roomNames = [&](const Headers &headers) {
        QStringList names;
        for (const QJsonValue &room : server.http("GET", u"/api/rooms"_s, {}, headers).json().value("rooms"_L1).toArray())
            names.append(room.toObject().value("room"_L1).toString());
        return names;
    };
    QCOMPARE(roomNames({}), QStringList{u"lobby"_s});
    QCOMPARE(roomNames(as(u"bob"_s)), QStringList{u"lobby"_s});
    QCOMPARE(roomNames(as(u"alice"_s)).size(), 2);
    QCOMPARE(roomNames(as(u"root"_s, {u"admin"_s})).size(), 2);
}

void tst_RoomAuthorization::tokenRequiredRouteNeedsATokenOverRest()
{
    // /board needs a token to connect, so its rooms need one over REST too.
    ExampleServer server;
    auto carol = server.client(u"/board"_s, u"carol"_s);
    QVERIFY(carol);
    QVERIFY(carol->join(u"sketch"_s).ok());
    QCOMPARE(server.http("GET", u"/api/rooms/sketch/presence?route=/board"_s).status, 401);
    QCOMPARE(server.http("GET", u"/api/rooms/sketch?route=/board"_s).status, 401);
    QCOMPARE(server.http("GET", u"/api/rooms/sketch/presence?route=/board"_s, {}, as(u"dave"_s)).status, 200);
}

void tst_RoomAuthorization::publishingOverRestIsAPrivilege_data()
{
    QTest::addColumn<QString>("room");
    QTest::addColumn<QByteArray>("caller");
    QTest::addColumn<int>("status");
    for (const QString &room : {u"user:alice"_s, u"lobby"_s}) {
        const QByteArray name = room.toUtf8();
        QTest::newRow(name + " as a guest") << room << ""_ba << 401;
        QTest::newRow(name + " as a plain user") << room << "bob"_ba << 403;
        QTest::newRow(name + " as alice herself") << room << "alice"_ba << 403;
        QTest::newRow(name + " with a wrong API key") << room << "wrong-key"_ba << 401;
        QTest::newRow(name + " as a publisher") << room << "publisher"_ba << 200;
        QTest::newRow(name + " as an admin") << room << "admin"_ba << 200;
        QTest::newRow(name + " with the API key") << room << "api-key"_ba << 200;
    }
}

void tst_RoomAuthorization::publishingOverRestIsAPrivilege()
{
    QFETCH(QString, room);
    QFETCH(QByteArray, caller);
    QFETCH(int, status);
    TestServer server(withApiKey());
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice);
    QVERIFY(alice->join(room).ok());

    Headers headers;
    if (caller == "publisher" || caller == "admin")
        headers = as(u"ops"_s, {QString::fromLatin1(caller)});
    else if (caller == "api-key")
        headers = bearer(ApiKey);
    else if (caller == "wrong-key")
        headers = bearer(ApiKey.chopped(1) + 'X');
    else if (!caller.isEmpty())
        headers = as(QString::fromLatin1(caller));
    const HttpReply reply = server.http("POST", u"/api/rooms/%1/broadcast"_s.arg(room),
                                        R"({"event":"news:flash","payload":"please re-enter your password"})"_ba,
                                        headers);
    QCOMPARE(reply.status, status);

    // Fence: alice's own request is answered after anything the broadcast sent her.
    QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"fence"_s}}, room).ok());
    QCOMPARE(alice->received(u"news:flash"_s).size(), status == 200 ? 1 : 0);
}

void tst_RoomAuthorization::reservedEventsCannotBePublished_data()
{
    QTest::addColumn<QByteArray>("event");
    QTest::newRow("system:error") << "system:error"_ba;
    QTest::newRow("system:token_expiring") << "system:token_expiring"_ba;
    QTest::newRow("ack") << "ack"_ba;
}

void tst_RoomAuthorization::reservedEventsCannotBePublished()
{
    QFETCH(QByteArray, event);
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice);
    QVERIFY(alice->join(u"user:alice"_s).ok());
    const HttpReply reply = server.http("POST", u"/api/rooms/user:alice/broadcast"_s,
                                        R"({"event":")" + event + R"(","payload":"forged"})",
                                        as(u"root"_s, {u"admin"_s}));
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json().value("error"_L1).toString(), u"bad_event"_s);
    QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"fence"_s}}, u"user:alice"_s)
                    .ok());
    for (const QJsonObject &frame : alice->received())
        QVERIFY2(frame.value("payload"_L1).toString() != "forged"_L1, "a forged frame reached alice");
}

void tst_RoomAuthorization::adminEmitRefusesReservedEvents()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    auto console = server.client(u"/_admin"_s, u"root"_s, {u"admin"_s});
    QVERIFY(alice && console);
    const Reply ack = console->request(
            u"admin:emit"_s, QJsonObject{{u"event"_s, u"system:error"_s}, {u"scope"_s, u"socket"_s},
                                         {u"socket"_s, alice->socketId()}, {u"payload"_s, u"forged"_s}});
    QCOMPARE(ack.ok(), false);
    QCOMPARE(ack.errorCode(), u"bad_event"_s);
    QVERIFY(alice->join(u"lobby"_s).ok()); // fence
    QCOMPARE(alice->received(u"system:error"_s).size(), 0);
}

void tst_RoomAuthorization::apiKeyIsNotAWebSocketToken()
{
    TestServer server(withApiKey());
    TestClient client;
    QVERIFY(!client.open(server.wsUrl(u"/chat?token="_s + QString::fromLatin1(ApiKey)), 3000));
    QVERIFY(server.client(u"/chat"_s)); // a guest is still welcome
}

QTEST_MAIN(tst_RoomAuthorization)
#include "tst_roomauthorization.moc"
