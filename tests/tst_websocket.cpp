// The WebSocket protocol as a client sees it: welcome, rooms, acks, and every bad input.
#include "testserver.h"

#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_WebSocket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void welcomeComesFirst();
    void joinAndLeaveAreAcknowledged();
    void joinNeedsARoom();
    void ackIdsAreEchoed_data();
    void ackIdsAreEchoed();
    void badInput_data();
    void badInput();
    void binaryFramesGetAnAnswer();
    void oversizedFrameClosesWith1009();
    void messageSizeIsConfigurable();
    void subprotocolIsEchoed();
    void roomLimitPerSocket();
};

void tst_WebSocket::welcomeComesFirst()
{
    ExampleServer server;
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    const QJsonObject welcome = client->received().first();
    QCOMPARE(welcome.value("event"_L1).toString(), u"system:welcome"_s);
    const QJsonObject payload = welcome.value("payload"_L1).toObject();
    QVERIFY(!payload.value("socketId"_L1).toString().isEmpty());
    QCOMPARE(payload.value("route"_L1).toString(), u"/chat"_s);
    QCOMPARE(payload.value("protocol"_L1).toInt(), 1);
    QCOMPARE(payload.value("maxMessageSize"_L1).toInt(), 65536);
    QVERIFY(server.hub().session(client->socketId()));

    auto other = server.client(u"/chat"_s);
    QVERIFY(other);
    QVERIFY(other->socketId() != client->socketId());
}

void tst_WebSocket::joinAndLeaveAreAcknowledged()
{
    ExampleServer server;
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);

    const Reply joined = client->join(u"lobby"_s);
    QCOMPARE(joined.ok(), true);
    QCOMPARE(joined.payload()[u"room"].toString(), u"lobby"_s);
    QCOMPARE(joined.payload()[u"members"].toInt(), 1);
    QVERIFY(server.hub().session(client->socketId())->isInRoom(u"lobby"_s));

    // Joining twice is harmless.
    QCOMPARE(client->join(u"lobby"_s).ok(), true);
    QCOMPARE(server.hub().room(u"/chat"_s, u"lobby"_s)->members, 1);

    const Reply left = client->leave(u"lobby"_s);
    QCOMPARE(left.ok(), true);
    QCOMPARE(left.payload()[u"left"].toBool(), true);
    QVERIFY(!server.hub().room(u"/chat"_s, u"lobby"_s)); // empty rooms disappear

    // Leaving a room one is not in is acknowledged, and says so.
    const Reply again = client->leave(u"lobby"_s);
    QCOMPARE(again.ok(), true);
    QCOMPARE(again.payload()[u"left"].toBool(), false);
}

void tst_WebSocket::joinNeedsARoom()
{
    ExampleServer server;
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    const Reply ack = client->request(u"room:join"_s);
    QCOMPARE(ack.ok(), false);
    QCOMPARE(ack.errorCode(), u"bad_room"_s);
}

void tst_WebSocket::ackIdsAreEchoed_data()
{
    QTest::addColumn<QJsonValue>("id");
    QTest::newRow("integer") << QJsonValue(42);
    QTest::newRow("zero") << QJsonValue(0);
    QTest::newRow("large integer") << QJsonValue(9007199254740991.0);
    QTest::newRow("string") << QJsonValue(u"req-7"_s);
}

void tst_WebSocket::ackIdsAreEchoed()
{
    QFETCH(QJsonValue, id);
    ExampleServer server;
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    client->sendFrame(QJsonObject{{u"event"_s, u"room:join"_s}, {u"room"_s, u"a"_s}, {u"id"_s, id}});
    const Reply ack = client->waitForAck(id);
    QCOMPARE(ack.ok(), true);
    QCOMPARE(client->received(u"ack"_s).size(), 1); // exactly one ack
}

void tst_WebSocket::badInput_data()
{
    QTest::addColumn<QString>("frame");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QJsonValue>("id"); // Undefined: answered with system:error

    const QJsonValue none(QJsonValue::Undefined);
    QTest::newRow("not json") << u"hello"_s << u"bad_json"_s << none;
    QTest::newRow("empty") << QString() << u"bad_json"_s << none;
    QTest::newRow("json array") << u"[1]"_s << u"bad_json"_s << none;
    QTest::newRow("json string") << u"\"chat:send\""_s << u"bad_json"_s << none;
    QTest::newRow("no event") << u"{\"payload\":1}"_s << u"bad_event"_s << none;
    QTest::newRow("no event, with id") << u"{\"payload\":1,\"id\":5}"_s << u"bad_event"_s << QJsonValue(5);
    QTest::newRow("event not a string") << u"{\"event\":[],\"id\":6}"_s << u"bad_event"_s << QJsonValue(6);
    QTest::newRow("event not domain:action") << u"{\"event\":\"send\",\"id\":7}"_s << u"bad_event"_s << QJsonValue(7);
    QTest::newRow("room not a string") << u"{\"event\":\"room:join\",\"room\":1,\"id\":8}"_s << u"bad_room"_s << QJsonValue(8);
    QTest::newRow("room too long") << u"{\"event\":\"room:join\",\"room\":\"%1\",\"id\":9}"_s.arg(QString(129, u'r'))
                                   << u"bad_room"_s << QJsonValue(9);
    QTest::newRow("bad id") << u"{\"event\":\"room:join\",\"room\":\"a\",\"id\":{}}"_s << u"bad_id"_s << none;
    QTest::newRow("unknown event") << u"{\"event\":\"chat:shout\",\"id\":10}"_s << u"unknown_event"_s << QJsonValue(10);
    QTest::newRow("unknown event, no id") << u"{\"event\":\"chat:shout\"}"_s << u"unknown_event"_s << none;
    QTest::newRow("server-only event") << u"{\"event\":\"system:welcome\",\"id\":11}"_s << u"unknown_event"_s << QJsonValue(11);
    QTest::newRow("board event on chat") << u"{\"event\":\"board:update\",\"room\":\"a\",\"id\":12}"_s
                                         << u"unknown_event"_s << QJsonValue(12);
}

void tst_WebSocket::badInput()
{
    QFETCH(QString, frame);
    QFETCH(QString, code);
    QFETCH(QJsonValue, id);

    ExampleServer server;
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    client->sendText(frame);

    if (id.isUndefined()) {
        QVERIFY(client->waitFor(u"system:error"_s));
        const QJsonObject error = client->received(u"system:error"_s).first().value("payload"_L1).toObject();
        QCOMPARE(error.value("code"_L1).toString(), code);
        QVERIFY(!error.value("message"_L1).toString().isEmpty());
    } else {
        const Reply ack = client->waitForAck(id);
        QCOMPARE(ack.ok(), false);
        QCOMPARE(ack.errorCode(), code);
        QVERIFY(!ack.errorMessage().isEmpty());
        QCOMPARE(client->received(u"system:error"_s).size(), 0);
    }

    // The connection is still usable.
    QVERIFY(client->isConnected());
    QCOMPARE(client->join(u"after"_s).ok(), true);
}

void tst_WebSocket::binaryFramesGetAnAnswer()
{
    ExampleServer server;
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    client->sendBinary("\x01\x02\x03"_ba);
    QVERIFY(client->waitFor(u"system:error"_s));
    QCOMPARE(client->received(u"system:error"_s).first().value("payload"_L1).toObject().value("code"_L1).toString(),
             u"binary_not_supported"_s);
    QCOMPARE(client->join(u"still-here"_s).ok(), true);
}

void tst_WebSocket::oversizedFrameClosesWith1009()
{
    ExampleServer server;
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    QVERIFY(client->join(u"big"_s).ok());
    const QString payload(70 * 1024, u'x');
    client->send(u"chat:send"_s, payload, u"big"_s);
    QVERIFY(client->waitForDisconnected());
    QCOMPARE(client->closeCode(), 1009);
    QTRY_COMPARE(server.hub().sessionCount(), 0);
    QVERIFY(!server.hub().room(u"/chat"_s, u"big"_s));
}

void tst_WebSocket::messageSizeIsConfigurable()
{
    cortado::ServerConfig config;
    config.webSocket.maxMessageSize = 1024;
    ExampleServer server(config);
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    QCOMPARE(client->received().first().value("payload"_L1).toObject().value("maxMessageSize"_L1).toInt(), 1024);
    QVERIFY(client->join(u"r"_s).ok());
    QCOMPARE(client->request(u"chat:send"_s, QString(900, u'x'), u"r"_s).ok(), true);
    client->send(u"chat:send"_s, QString(1100, u'x'), u"r"_s);
    QVERIFY(client->waitForDisconnected());
    QCOMPARE(client->closeCode(), 1009);
}

void tst_WebSocket::subprotocolIsEchoed()
{
    ExampleServer server;
    TestClient client;
    QNetworkRequest request(server.wsUrl(u"/chat"_s));
    request.setRawHeader("Sec-WebSocket-Protocol", "cortado.v1");
    QVERIFY(client.open(request));
    QCOMPARE(client.socket().subprotocol(), u"cortado.v1"_s);
}

void tst_WebSocket::roomLimitPerSocket()
{
    ExampleServer server;
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    for (int i = 0; i < 128; ++i)
        client->send(u"room:join"_s, {}, u"room-%1"_s.arg(i));
    const Reply refused = client->join(u"one-too-many"_s);
    QCOMPARE(refused.ok(), false);
    QCOMPARE(refused.errorCode(), u"too_many_rooms"_s);
    QCOMPARE(server.hub().session(client->socketId())->rooms().size(), 128);
}

QTEST_GUILESS_MAIN(tst_WebSocket)
#include "tst_websocket.moc"
