// Who receives what: every broadcast scope, room cleanup, route isolation, and the hub's signals.
#include "exampleapp.h"
#include "testserver.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <map>

using namespace Qt::StringLiterals;

// The example app plus /scopes, whose "scope:send" event broadcasts "scope:hello" to the scope the
// payload names: {"scope": "socket" | "room" | "others" | "route" | "everyone", "socket"?: id}.
static void routesWithScopes(cortado::Server &server)
{
    setupExampleApp(server, TestServer::tokenConfig());
    server.router().addWebSocketRoute(u"scopes.ws.cpp"_s, [](cortado::WsRoute &route) {
        route.on(u"scope:send"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
            const QJsonObject request = ctx.payload().toObject();
            const QString scope = request.value("scope"_L1).toString();
            const QString room = ctx.room().value_or(QString());
            std::optional<cortado::Target> target;
            if (scope == "socket"_L1)
                target = cortado::Target::socket(request.value("socket"_L1).toString());
            else if (scope == "room"_L1)
                target = ctx.toRoom(room);
            else if (scope == "others"_L1)
                target = ctx.toRoom(room).except(ctx.session().id());
            else if (scope == "route"_L1)
                target = ctx.toRoute();
            else if (scope == "everyone"_L1)
                target = cortado::Target::everyone();
            if (!target)
                return cortado::Error::badRequest(u"bad_payload"_s, u"unknown scope"_s);
            const qsizetype delivered = ctx.emit(*target, u"scope:hello"_s, scope).recipients;
            return cortado::Ack::ok(QJsonObject{{u"delivered"_s, delivered}});
        });
    });
}

static QStringList sentEvents(const QSignalSpy &messageSent)
{
    QStringList events;
    for (const QList<QVariant> &arguments : messageSent)
        events.append(arguments.at(1).toString());
    return events;
}

class tst_Broadcast : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void scopes_data();
    void scopes();
    void roomBroadcastReachesOnlyMembers();
    void disconnectLeavesAllRooms();
    void routesAreIsolated();
    void hubSignalsDescribeTheTraffic();
    void broadcastIsEncodedOnce();
    void relayPassesThePayloadOnAsSent();

private:
    std::unique_ptr<TestServer> m_server;
};

void tst_Broadcast::init()
{
    m_server = std::make_unique<TestServer>(routesWithScopes);
    QVERIFY(m_server->isListening());
}

void tst_Broadcast::cleanup()
{
    m_server.reset();
}

void tst_Broadcast::scopes_data()
{
    // Five clients: sender and roommate in room "r" on /scopes, bystander on /scopes outside the
    // room, stranger on /chat in a room also called "r", and target (on /scopes, not in "r").
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QStringList>("receivers");
    QTest::newRow("one socket") << u"socket"_s << QStringList{u"target"_s};
    QTest::newRow("room with sender") << u"room"_s << QStringList{u"sender"_s, u"roommate"_s};
    QTest::newRow("room without sender") << u"others"_s << QStringList{u"roommate"_s};
    QTest::newRow("route") << u"route"_s << QStringList{u"sender"_s, u"roommate"_s, u"bystander"_s, u"target"_s};
    QTest::newRow("everyone") << u"everyone"_s
                              << QStringList{u"sender"_s, u"roommate"_s, u"bystander"_s, u"stranger"_s, u"target"_s};
}

void tst_Broadcast::scopes()
{
    QFETCH(QString, scope);
    QFETCH(QStringList, receivers);

    std::map<QString, std::unique_ptr<TestClient>> clients;
    for (const QString &name : {u"sender"_s, u"roommate"_s, u"bystander"_s, u"target"_s}) {
        clients[name] = m_server->client(u"/scopes"_s);
        QVERIFY(clients[name]);
    }
    clients[u"stranger"_s] = m_server->client(u"/chat"_s);
    QVERIFY(clients[u"stranger"_s]);
    for (const QString &name : {u"sender"_s, u"roommate"_s, u"stranger"_s})
        QVERIFY(clients[name]->join(u"r"_s).ok());

    const Reply ack = clients[u"sender"_s]->request(
            u"scope:send"_s, QJsonObject{{u"scope"_s, scope}, {u"socket"_s, clients[u"target"_s]->socketId()}},
            u"r"_s);
    QCOMPARE(ack.ok(), true);
    QCOMPARE(ack.payload()[u"delivered"].toInt(), receivers.size());

    for (const QString &name : receivers) {
        QVERIFY2(clients[name]->waitFor(u"scope:hello"_s), qPrintable(name));
        const QJsonObject hello = clients[name]->received(u"scope:hello"_s).first();
        QCOMPARE(hello.value("from"_L1).toString(), clients[u"sender"_s]->socketId());
        QCOMPARE(hello.value("payload"_L1).toString(), scope);
    }
    // The sender's ack came after the delivery; each client's fence proves nothing more reached it.
    for (const auto &[name, client] : clients) {
        QVERIFY2(client->fence(), qPrintable(name));
        QCOMPARE(client->received(u"scope:hello"_s).size(), receivers.contains(name) ? 1 : 0);
    }
}

void tst_Broadcast::roomBroadcastReachesOnlyMembers()
{
    auto alice = m_server->client(u"/chat"_s), bob = m_server->client(u"/chat"_s),
         carol = m_server->client(u"/chat"_s);
    QVERIFY(alice && bob && carol);
    QVERIFY(alice->join(u"lobby"_s).ok());
    QVERIFY(bob->join(u"lobby"_s).ok());
    QVERIFY(carol->join(u"elsewhere"_s).ok());

    QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hi"_s}}, u"lobby"_s).ok());
    QVERIFY(!bob->expectPush(u"chat:message"_s).isEmpty());
    QVERIFY(!alice->expectPush(u"chat:message"_s).isEmpty());
    QVERIFY(carol->expectNoPush(u"chat:message"_s));

    // After leaving, bob hears nothing more.
    QVERIFY(bob->leave(u"lobby"_s).ok());
    QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"again"_s}}, u"lobby"_s).ok());
    QVERIFY(!alice->expectPush(u"chat:message"_s).isEmpty());
    QVERIFY(bob->expectNoPush(u"chat:message"_s));
}

void tst_Broadcast::disconnectLeavesAllRooms()
{
    auto alice = m_server->client(u"/chat"_s), bob = m_server->client(u"/chat"_s);
    QVERIFY(alice && bob);
    for (const QString &room : {u"a"_s, u"b"_s, u"c"_s})
        QVERIFY(alice->join(room).ok());
    QVERIFY(bob->join(u"a"_s).ok());
    QCOMPARE(m_server->hub().rooms().size(), 3);

    QSignalSpy closed(&m_server->hub(), &cortado::Hub::roomClosed);
    alice->close();
    QTRY_COMPARE(m_server->hub().sessionCount(), 1);
    // "b" and "c" had only alice: gone. "a" keeps bob.
    QCOMPARE(m_server->hub().rooms().size(), 1);
    QCOMPARE(m_server->hub().room(u"/chat"_s, u"a"_s)->members, 1);
    QCOMPARE(closed.size(), 2);
    const QJsonArray rooms = m_server->http("GET", u"/api/rooms"_s).json().value("rooms"_L1).toArray();
    QCOMPARE(rooms.size(), 1);

    // A dropped TCP connection (no close frame) cleans up the same way.
    bob->socket().abort();
    QTRY_COMPARE(m_server->hub().sessionCount(), 0);
    QVERIFY(m_server->hub().rooms().isEmpty());
}

void tst_Broadcast::routesAreIsolated()
{
    auto chat = m_server->client(u"/chat"_s), board = m_server->client(u"/board"_s, u"user1"_s),
         board2 = m_server->client(u"/board"_s, u"user2"_s);
    QVERIFY(chat && board && board2);
    QVERIFY(chat->join(u"same"_s).ok());
    QVERIFY(board->join(u"same"_s).ok());
    QVERIFY(board2->join(u"same"_s).ok());

    QVERIFY(chat->request(u"chat:send"_s, QJsonObject{{u"t"_s, 1}}, u"same"_s).ok());
    QVERIFY(board->request(u"board:update"_s, QJsonObject{{u"t"_s, 1}}, u"same"_s).ok());
    QVERIFY(board2->waitFor(u"board:updated"_s));
    QVERIFY(board->expectNoPush(u"chat:message"_s));
    QVERIFY(board2->expectNoPush(u"chat:message"_s));
    QVERIFY(chat->expectNoPush(u"board:updated"_s));
    QCOMPARE(m_server->hub().room(u"/chat"_s, u"same"_s)->members, 1);
    QCOMPARE(m_server->hub().room(u"/board"_s, u"same"_s)->members, 2);
}

void tst_Broadcast::hubSignalsDescribeTheTraffic()
{
    cortado::Hub &hub = m_server->hub();
    QSignalSpy connected(&hub, &cortado::Hub::connected);
    QSignalSpy joined(&hub, &cortado::Hub::joined);
    QSignalSpy received(&hub, &cortado::Hub::eventReceived);
    QSignalSpy sent(&hub, &cortado::Hub::messageSent);
    QSignalSpy left(&hub, &cortado::Hub::left);
    QSignalSpy disconnected(&hub, &cortado::Hub::disconnected);
    const qint64 inBefore = hub.messagesIn(), outBefore = hub.messagesOut();

    auto alice = m_server->client(u"/chat"_s);
    QVERIFY(alice);
    QCOMPARE(connected.size(), 1);
    QVERIFY(alice->join(u"lobby"_s).ok());
    QCOMPARE(joined.size(), 1);
    QCOMPARE(joined.first().at(1).toString(), u"lobby"_s);
    QVERIFY(alice->request(u"chat:send"_s, QJsonObject{}, u"lobby"_s).ok());
    QCOMPARE(received.size(), 2);
    QCOMPARE(received.last().at(1).toString(), u"chat:send"_s);
    // Out: the welcome, the presence list for the join, the join's ack, one chat:message to one
    // recipient, and the send's ack. No presence:diff: alice's own list already said she came.
    QCOMPARE(sentEvents(sent), (QStringList{u"system:welcome"_s, u"presence:state"_s, u"ack"_s,
                                            u"chat:message"_s, u"ack"_s}));
    QCOMPARE(sent.at(3).at(2).value<qsizetype>(), 1);
    // The hub's own totals say the same (the signals are only for watchers such as the tap).
    QCOMPARE(hub.messagesIn() - inBefore, 2);
    QCOMPARE(hub.messagesOut() - outBefore, 5);
    alice->close();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(left.size(), 1);
}

void tst_Broadcast::broadcastIsEncodedOnce()
{
    // 20 members, one broadcast: one messageSent (one encoding), twenty deliveries of equal bytes.
    std::vector<std::unique_ptr<TestClient>> members;
    for (int i = 0; i < 20; ++i) {
        members.push_back(m_server->client(u"/chat"_s));
        QVERIFY(members.back());
        QVERIFY(members.back()->join(u"crowd"_s).ok());
    }
    QSignalSpy sent(&m_server->hub(), &cortado::Hub::messageSent);
    QVERIFY(members.front()->request(u"chat:send"_s, QJsonObject{{u"n"_s, 1}}, u"crowd"_s).ok());
    QCOMPARE(sentEvents(sent), (QStringList{u"chat:message"_s, u"ack"_s}));
    QCOMPARE(sent.first().at(2).value<qsizetype>(), 20);
    for (const auto &member : members)
        QVERIFY(member->waitFor(u"chat:message"_s));
    for (const auto &member : members)
        QCOMPARE(member->received(u"chat:message"_s).first(), members.front()->received(u"chat:message"_s).first());
}

// /chat relays (EventContext::relay): members get the payload as the sender wrote it, compact, its
// keys in the sender's order; the same bytes go to every member and to the room's history.
void tst_Broadcast::relayPassesThePayloadOnAsSent()
{
    auto alice = m_server->client(u"/chat"_s);
    auto bob = m_server->client(u"/chat"_s);
    QVERIFY(alice && bob && alice->join(u"relay"_s).ok() && bob->join(u"relay"_s).ok());
    QStringList bobFrames;
    connect(&bob->socket(), &QWebSocket::textMessageReceived, this, [&](const QString &frame) { bobFrames << frame; });
    alice->sendText(u"{\"event\":\"chat:send\",\"room\":\"relay\",\"id\":1,\"payload\":{ \"z\" : 1, \"a\" : [true, null, \"é \\\"q\\\"\"] }}"_s);
    QVERIFY(alice->waitForAck(1).ok());
    QVERIFY(bob->waitFor(u"chat:message"_s));
    const QJsonObject expected{{u"z"_s, 1}, {u"a"_s, QJsonArray{true, QJsonValue::Null, u"é \"q\""_s}}};
    QCOMPARE(bob->received(u"chat:message"_s).first().value("payload"_L1).toObject(), expected);
    const QStringList relayed = bobFrames.filter(u"chat:message"_s);
    QCOMPARE(relayed.size(), 1);
    QVERIFY2(relayed.first().contains(u"\"payload\":{\"z\":1,\"a\":[true,null,\"é \\\"q\\\"\"]}"_s), qPrintable(relayed.first()));

    auto carol = m_server->client(u"/chat"_s); // joins later and recovers it from history
    QVERIFY(carol);
    QStringList carolFrames;
    connect(&carol->socket(), &QWebSocket::textMessageReceived, this, [&](const QString &frame) { carolFrames << frame; });
    QVERIFY(carol->request(u"room:join"_s, QJsonObject{{u"since"_s, 0}}, u"relay"_s).ok());
    QVERIFY(carol->waitFor(u"chat:message"_s));
    QCOMPARE(carolFrames.filter(u"chat:message"_s), relayed);
}

QTEST_GUILESS_MAIN(tst_Broadcast)
#include "tst_broadcast.moc"
