// REST side by side with WebSockets on one port, and the gateway's answers to bad HTTP.
#include "testserver.h"

#include <QJsonArray>
#include <QTcpSocket>
#include <QTest>

using namespace Qt::StringLiterals;

// Publishing into a room over REST is a privilege (tst_roomauthorization tries the refusals).
static QList<QPair<QByteArray, QByteArray>> publisher()
{
    return {{"Authorization", "Bearer " + TestServer::token(u"ops"_s, {u"publisher"_s})}};
}

class tst_Rest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void healthOnTheSamePortAsWebSockets();
    void errorsAreJson();
    void roomsListedPerRoute();
    void oneRoom();
    void restBroadcastReachesWebSocketMembers();
    void badBroadcastBodies_data();
    void badBroadcastBodies();
    void gatewayRefusals_data();
    void gatewayRefusals();
    void upgradeToPathWithoutWebSocketRouteIsRefused();
    void upgradeLaterOnKeepAliveIsRefused();
    void keepAliveServesSeveralRequests();
};

void tst_Rest::healthOnTheSamePortAsWebSockets()
{
    ExampleServer server;
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    const HttpReply reply = server.http("GET", u"/health"_s);
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value("status"_L1).toString(), u"ok"_s);
    QCOMPARE(reply.json().value("connections"_L1).toInt(), 1);
}

void tst_Rest::errorsAreJson()
{
    ExampleServer server;
    const HttpReply missing = server.http("GET", u"/no/such/thing"_s);
    QCOMPARE(missing.status, 404);
    QCOMPARE(missing.json().value("error"_L1).toString(), u"not_found"_s);
    QCOMPARE(missing.json().value("status"_L1).toInt(), 404);

    const HttpReply wrongMethod = server.http("DELETE", u"/health"_s);
    QCOMPARE(wrongMethod.status, 405);
    QCOMPARE(wrongMethod.header("allow"), "GET"_ba);
    QCOMPARE(wrongMethod.json().value("error"_L1).toString(), u"method_not_allowed"_s);
}

void tst_Rest::roomsListedPerRoute()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s),
         carol = server.client(u"/board"_s, u"user1"_s);
    QVERIFY(alice && bob && carol);
    QVERIFY(alice->join(u"lobby"_s).ok());
    QVERIFY(bob->join(u"lobby"_s).ok());
    QVERIFY(carol->join(u"lobby"_s).ok());

    // Signed in, since /board needs a token (a guest sees /chat's rooms only: tst_roomauthorization).
    const QJsonArray rooms = server.http("GET", u"/api/rooms"_s, {},
                                         {{"Authorization", "Bearer " + TestServer::token(u"dave"_s)}})
                                     .json().value("rooms"_L1).toArray();
    QCOMPARE(rooms, (QJsonArray{QJsonObject{{u"route"_s, u"/board"_s}, {u"room"_s, u"lobby"_s}, {u"members"_s, 1}},
                                QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"lobby"_s}, {u"members"_s, 2}}}));
    const QJsonArray chatOnly =
            server.http("GET", u"/api/rooms?route=/chat"_s).json().value("rooms"_L1).toArray();
    QCOMPARE(chatOnly.size(), 1);
}

void tst_Rest::oneRoom()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice);
    QVERIFY(alice->join(u"café"_s).ok());

    const HttpReply found = server.http("GET", u"/api/rooms/caf%C3%A9"_s);
    QCOMPARE(found.status, 200);
    QCOMPARE(found.json().value("members"_L1).toInt(), 1);
    const QJsonObject chat = found.json().value("routes"_L1).toArray().first().toObject();
    QCOMPARE(chat.value("route"_L1).toString(), u"/chat"_s);
    QCOMPARE(chat.value("sockets"_L1).toArray(), QJsonArray{alice->socketId()});

    const HttpReply missing = server.http("GET", u"/api/rooms/empty"_s);
    QCOMPARE(missing.status, 404);
    QCOMPARE(missing.json().value("error"_L1).toString(), u"not_found"_s);
}

void tst_Rest::restBroadcastReachesWebSocketMembers()
{
    ExampleServer server;
    auto member = server.client(u"/chat"_s), outsider = server.client(u"/chat"_s),
         boardMember = server.client(u"/board"_s, u"user2"_s);
    QVERIFY(member && outsider && boardMember);
    QVERIFY(member->join(u"news"_s).ok());
    QVERIFY(boardMember->join(u"news"_s).ok());

    const HttpReply reply = server.http(
            "POST", u"/api/rooms/news/broadcast"_s,
            R"({"event":"news:flash","payload":{"headline":"Cortado ships"}})"_ba, publisher());
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value("delivered"_L1).toInt(), 1);

    QVERIFY(member->waitFor(u"news:flash"_s));
    const QJsonObject flash = member->received(u"news:flash"_s).first();
    QCOMPARE(flash.value("room"_L1).toString(), u"news"_s);
    QCOMPARE(flash.value("payload"_L1).toObject().value("headline"_L1).toString(), u"Cortado ships"_s);
    QVERIFY(!flash.contains("from"_L1)); // from the server, not a socket

    // The /board room of the same name is another room.
    const HttpReply board = server.http("POST", u"/api/rooms/news/broadcast?route=/board"_s,
                                        R"({"event":"news:flash"})"_ba, publisher());
    QCOMPARE(board.json().value("delivered"_L1).toInt(), 1);
    QVERIFY(boardMember->waitFor(u"news:flash"_s));
    // The REST reply came after the delivery: the fences prove nothing more reached the others.
    QVERIFY(member->fence() && outsider->fence());
    QCOMPARE(member->received(u"news:flash"_s).size(), 1);
    QCOMPARE(outsider->received(u"news:flash"_s).size(), 0);
}

void tst_Rest::badBroadcastBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::newRow("not json") << "nope"_ba << u"bad_json"_s;
    QTest::newRow("array") << "[]"_ba << u"bad_json"_s;
    QTest::newRow("no event") << R"({"payload":1})"_ba << u"bad_event"_s;
    QTest::newRow("bad event name") << R"({"event":"nocolon"})"_ba << u"bad_event"_s;
    QTest::newRow("ack is reserved") << R"({"event":"ack"})"_ba << u"bad_event"_s;
    QTest::newRow("system:* is reserved") << R"({"event":"system:error"})"_ba << u"bad_event"_s;
}

void tst_Rest::badBroadcastBodies()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    ExampleServer server;
    const HttpReply reply = server.http("POST", u"/api/rooms/lobby/broadcast"_s, body, publisher());
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json().value("error"_L1).toString(), code);
    QCOMPARE(reply.json().value("status"_L1).toInt(), 400);
}

void tst_Rest::gatewayRefusals_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("malformed request line") << "HELLO\r\n\r\n"_ba << 400 << u"bad_request"_s;
    QTest::newRow("absolute garbage") << "GET nope HTTP/1.1\r\n\r\n"_ba << 400 << u"bad_request"_s;
    QTest::newRow("header without colon") << "GET / HTTP/1.1\r\nHost 1\r\n\r\n"_ba << 400 << u"bad_request"_s;
    // Found by the request-head fuzzer: names that are empty or carry whitespace are not names.
    QTest::newRow("header name blank") << "GET /health HTTP/1.1\r\n : x\r\n\r\n"_ba << 400 << u"bad_request"_s;
    QTest::newRow("space before colon") << "GET /health HTTP/1.1\r\nHost : x\r\n\r\n"_ba << 400 << u"bad_request"_s;
    QTest::newRow("folded header line") << "GET /health HTTP/1.1\r\nHost: x\r\n X-Folded: 1\r\n\r\n"_ba << 400 << u"bad_request"_s;
    QTest::newRow("head too large") << "GET / HTTP/1.1\r\nX-Big: "_ba + QByteArray(20000, 'a') + "\r\n\r\n"
                                    << 431 << u"headers_too_large"_s;
    QTest::newRow("body too large") << "POST /api/rooms/a/broadcast HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n"_ba
                                    << 413 << u"payload_too_large"_s;
}

void tst_Rest::gatewayRefusals()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QString, code);
    ExampleServer server;
    const HttpReply reply = rawHttp(server, request);
    QCOMPARE(reply.status, status);
    QCOMPARE(reply.json().value("error"_L1).toString(), code);
    QCOMPARE(reply.header("connection"), "close"_ba);
    // The server is still fine.
    QCOMPARE(server.http("GET", u"/health"_s).status, 200);
}

static QByteArray upgradeRequest(const QByteArray &path)
{
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n\r\n";
}

void tst_Rest::upgradeToPathWithoutWebSocketRouteIsRefused()
{
    ExampleServer server;
    for (const QByteArray &path : {"/nope"_ba, "/health"_ba, "/api/rooms"_ba}) {
        const HttpReply reply = rawHttp(server, upgradeRequest(path));
        QCOMPARE(reply.status, 404);
        QCOMPARE(reply.json().value("error"_L1).toString(), u"not_found"_s);
    }
    QCOMPARE(server.hub().sessionCount(), 0);
    // The real route does switch protocols.
    QCOMPARE(rawHttp(server, upgradeRequest("/chat")).status, 101);
}

void tst_Rest::upgradeLaterOnKeepAliveIsRefused()
{
    ExampleServer server;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(socket.waitForConnected(5000));
    QCOMPARE(readHttpReply(socket, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 5000).status, 200);
    const HttpReply upgrade = readHttpReply(socket, upgradeRequest("/chat"), 5000);
    QCOMPARE(upgrade.status, 400);
    QCOMPARE(server.hub().sessionCount(), 0);
}

void tst_Rest::keepAliveServesSeveralRequests()
{
    ExampleServer server;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(socket.waitForConnected(5000));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(readHttpReply(socket, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 5000).status, 200);
}

QTEST_GUILESS_MAIN(tst_Rest)
#include "tst_rest.moc"
