// cortado::Client (shared/client/, docs/qt-client.md) against a real server: the example app in
// process (ExampleServer), and the real cortado-server binary where a test must stop, kill or
// restart the server.
#include "exampleapp.h"
#include "serverprocess.h"
#include "testserver.h"

#include <cortado/client.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QNetworkRequest>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>

using namespace Qt::StringLiterals;
using cortado::Client;
using cortado::ClientOptions;
using cortado::PendingReply;

namespace {

// A PendingReply deletes itself once finished: a test that holds one across the event loop keeps
// its result with watch() right away, and reads it with await() later.
using Watched = std::shared_ptr<std::optional<cortado::Reply>>;

Watched watch(PendingReply *pending)
{
    auto result = std::make_shared<std::optional<cortado::Reply>>();
    pending->then(pending, [result](const cortado::Reply &reply) { *result = reply; });
    return result;
}

// Waits for the result (error "test_wait" if it never came).
cortado::Reply await(const Watched &result, int timeoutMs = 5000)
{
    [[maybe_unused]] const bool finished = QTest::qWaitFor([&] { return result->has_value(); }, timeoutMs);
    return result->value_or(cortado::Reply::failure(u"test_wait"_s, u"the reply did not finish"_s));
}

cortado::Reply await(PendingReply *pending, int timeoutMs = 5000)
{
    return await(watch(pending), timeoutMs);
}

bool waitForState(const Client &client, Client::State state, int timeoutMs = 5000)
{
    return QTest::qWaitFor([&] { return client.state() == state; }, timeoutMs);
}

// Every chat:message a client delivered: [text-or-number, offset].
struct Messages
{
    QList<qint64> offsets;
    QList<QJsonValue> payloads;

    void attach(Client &client)
    {
        client.on(u"chat:message"_s, &client, [this](const QJsonValue &payload, const QJsonObject &frame) {
            payloads.append(payload);
            offsets.append(frame.value("offset"_L1).toInteger());
        });
    }
};

QList<qint64> range(qint64 first, qint64 last)
{
    QList<qint64> result;
    for (qint64 i = first; i <= last; ++i)
        result.append(i);
    return result;
}

ClientOptions quickReconnect(int delayMs = 100)
{
    ClientOptions options;
    options.reconnectMinMs = options.reconnectMaxMs = delayMs;
    return options;
}

// The example app plus /log, whose rooms keep only their last 3 messages (for gaps).
void withSmallWindow(cortado::Server &server)
{
    setupExampleApp(server, TestServer::tokenConfig());
    server.router().addWebSocketRoute(u"log.ws.cpp"_s, [](cortado::WsRoute &route) {
        route.keepHistory(u"*"_s, cortado::HistoryPolicy{3, 3600});
        route.on(u"log:write"_s, [](cortado::EventContext &ctx) {
            const cortado::Delivery delivery = ctx.realtime().emit(ctx.toRoom(*ctx.room()), u"log:line"_s, ctx.payload());
            return cortado::Ack::ok(QJsonObject{{u"offset"_s, *delivery.offset}});
        });
    });
}

} // namespace

class tst_Client : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void connectsWithTheTokenAsSubprotocol();
    void badTokenIsRefusedWithoutReconnecting();
    void requestGetsItsAck();
    void errorAckIsAnError();
    void requestTimesOut();
    void eventsArriveAsSignals();
    void roomBroadcastReachesMembersOnly();
    void reconnectRejoinsWithSinceWithoutLossOrDuplicate();
    void replayOverlappingWhatWasSeenIsDropped();
    void lostHistoryIsReportedAsGap();
    void finalCloseCodeDoesNotReconnect();
    void reconnectingCloseCodes_data();
    void reconnectingCloseCodes();
    void droppedTcpReconnects();
    void offlineQueueIsBoundedAndFlushedAfterRejoin();
    void queuedRequestThatTimesOutIsNeverSent();
    void joinWaitsForTheConnectionAndLeaveForgets();
    void pendingRequestsAreBounded();
    void closeFailsWhatIsPending();
    void tokenIsRefreshedBeforeExpiry();
    void exampleProgramChats();
    void ownHandshakeGoesWithEveryAttempt();
    void pendingReplyKnowsItsId();
};

void tst_Client::connectsWithTheTokenAsSubprotocol()
{
    ExampleServer server;
    Client client;
    QSignalSpy connected(&client, &Client::connected);
    client.open(server.wsUrl(u"/chat"_s), QString::fromLatin1(TestServer::token(u"alice"_s)));
    QCOMPARE(client.state(), Client::Connecting);
    QVERIFY(connected.wait(5000));
    QCOMPARE(client.state(), Client::Connected);
    QCOMPARE(connected.first().at(1).toBool(), false); // not a reconnect
    QVERIFY(!client.socketId().isEmpty());
    QCOMPARE(connected.first().at(0).toString(), client.socketId());
    QVERIFY(server.hub().session(client.socketId()));
    QCOMPARE(client.welcome().value("route"_L1).toString(), u"/chat"_s);

    // The server knows the user from the token: presence lists "alice", not a guest.
    QSignalSpy events(&client, &Client::eventReceived);
    QVERIFY(await(client.join(u"lobby"_s)).ok());
    QCOMPARE(events.size(), 1); // presence:state comes before the join's ack
    QCOMPARE(events.first().at(0).toString(), u"presence:state"_s);
    const QJsonArray users = events.first().at(1).toJsonValue().toObject().value("users"_L1).toArray();
    QCOMPARE(users.size(), 1);
    QCOMPARE(users.first().toObject().value("id"_L1).toString(), u"alice"_s);
}

void tst_Client::badTokenIsRefusedWithoutReconnecting()
{
    ExampleServer server;
    Client client(quickReconnect(50));
    QSignalSpy disconnected(&client, &Client::disconnected);
    QSignalSpy reconnecting(&client, &Client::reconnecting);
    client.open(server.wsUrl(u"/chat"_s), u"not.a.token"_s);
    const Watched queued = watch(client.request(u"chat:send"_s, QJsonObject{}, u"lobby"_s));
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(disconnected.first().at(0).toInt(), 4001); // the handshake's HTTP 401
    QCOMPARE(disconnected.first().at(2).toBool(), false);
    QCOMPARE(client.state(), Client::Disconnected);
    QCOMPARE(await(queued).errorCode(), u"closed"_s);
    // Nothing scheduled: a reconnect would have been announced before the state became final.
    QCOMPARE(reconnecting.size(), 0);
    QCOMPARE(client.reconnectRemainingMs(), -1);
    QCOMPARE(server.hub().sessionCount(), 0);
}

void tst_Client::requestGetsItsAck()
{
    ExampleServer server;
    Client client;
    client.open(server.wsUrl(u"/chat"_s));
    const cortado::Reply joined = await(client.join(u"lobby"_s));
    QVERIFY2(joined.ok(), qPrintable(joined.toString()));
    QCOMPARE(joined.payload()[u"room"].toString(), u"lobby"_s);
    QCOMPARE(joined.payload()[u"members"].toInt(), 1);
    QCOMPARE(client.state(), Client::Connected);
    QVERIFY(client.isJoined(u"lobby"_s));

    const cortado::Reply sent = await(client.request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hi"_s}}, u"lobby"_s));
    QVERIFY2(sent.ok(), qPrintable(sent.toString()));
    QCOMPARE(sent.payload()[u"delivered"].toInt(), 1);
    QCOMPARE(sent.payload()[u"offset"].toInt(), 1);
    QCOMPARE(client.roomOffset(u"lobby"_s), std::optional<qint64>(1));
}

void tst_Client::errorAckIsAnError()
{
    ExampleServer server;
    Client client;
    client.open(server.wsUrl(u"/chat"_s));
    const cortado::Reply notIn = await(client.request(u"chat:send"_s, QJsonObject{}, u"elsewhere"_s));
    QVERIFY(!notIn.ok());
    QCOMPARE(notIn.errorCode(), u"not_in_room"_s);
    QVERIFY(!notIn.errorMessage().isEmpty());
    QCOMPARE(await(client.request(u"chat:nothing"_s)).errorCode(), u"unknown_event"_s);
    // A guest may not join another user's room: refused, and forgotten (no rejoin later).
    const cortado::Reply refused = await(client.join(u"user:bob"_s));
    QCOMPARE(refused.errorCode(), u"unauthorized"_s);
    QVERIFY(!client.rooms().contains(u"user:bob"_s));
}

void tst_Client::requestTimesOut()
{
    QTemporaryDir data;
    ServerProcess server;
    QVERIFY(server.start({u"--port"_s, u"0"_s, u"--threads"_s, u"1"_s}, ServerProcess::environment(data.path())));
    Client client;
    client.open(server.ws(u"/chat"_s));
    QVERIFY(await(client.join(u"lobby"_s)).ok());

    ::kill(pid_t(server.process.processId()), SIGSTOP); // alive, answering nothing
    QElapsedTimer elapsed;
    elapsed.start();
    const cortado::Reply reply = await(client.request(u"chat:send"_s, QJsonObject{}, u"lobby"_s, 300));
    ::kill(pid_t(server.process.processId()), SIGCONT);
    QCOMPARE(reply.errorCode(), u"timeout"_s);
    QVERIFY(reply.timedOut());
    QVERIFY(elapsed.elapsed() >= 250); // waited for it (a coarse timer may fire 5 % early)
    // The late ack is ignored, and the connection goes on.
    QVERIFY(await(client.request(u"chat:send"_s, QJsonObject{}, u"lobby"_s)).ok());
    QCOMPARE(client.state(), Client::Connected);
}

void tst_Client::eventsArriveAsSignals()
{
    ExampleServer server;
    Client client;
    QSignalSpy events(&client, &Client::eventReceived);
    QList<QJsonValue> viaOn;
    int everything = 0;
    client.on(u"chat:message"_s, this, [&viaOn](const QJsonValue &payload, const QJsonObject &) { viaOn.append(payload); });
    client.on(u"*"_s, this, [&everything](const QJsonValue &, const QJsonObject &) { ++everything; });
    client.open(server.wsUrl(u"/chat"_s));
    QVERIFY(await(client.join(u"lobby"_s)).ok()); // presence:state
    QVERIFY(await(client.request(u"chat:send"_s, QJsonObject{{u"text"_s, u"one"_s}}, u"lobby"_s)).ok());

    QCOMPARE(viaOn.size(), 1);
    QCOMPARE(viaOn.first()[u"text"].toString(), u"one"_s);
    QCOMPARE(everything, 2);
    const QList<QVariant> message = events.last();
    QCOMPARE(message.at(0).toString(), u"chat:message"_s);
    QCOMPARE(message.at(2).toString(), u"lobby"_s);
    QCOMPARE(message.at(3).toJsonObject().value("from"_L1).toString(), client.socketId());
    QCOMPARE(message.at(3).toJsonObject().value("offset"_L1).toInt(), 1);
}

void tst_Client::roomBroadcastReachesMembersOnly()
{
    ExampleServer server;
    Client alice, bob, carol;
    Messages bobSaw, carolSaw;
    bobSaw.attach(bob);
    carolSaw.attach(carol);
    for (Client *client : {&alice, &bob, &carol})
        client->open(server.wsUrl(u"/chat"_s));
    QVERIFY(await(alice.join(u"lobby"_s)).ok());
    QVERIFY(await(bob.join(u"lobby"_s)).ok());
    QVERIFY(await(carol.join(u"elsewhere"_s)).ok());

    const cortado::Reply sent = await(alice.request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hi"_s}}, u"lobby"_s));
    QCOMPARE(sent.payload()[u"delivered"].toInt(), 2);
    QTRY_COMPARE(bobSaw.offsets, QList<qint64>{1});
    QCOMPARE(bobSaw.payloads.first()[u"text"].toString(), u"hi"_s);
    // A fence: carol's ack comes after anything misrouted to her.
    QVERIFY(await(carol.request(u"test:fence"_s)).errorCode() == u"unknown_event"_s);
    QCOMPARE(carolSaw.offsets.size(), 0);
}

void tst_Client::reconnectRejoinsWithSinceWithoutLossOrDuplicate()
{
    ExampleServer server;
    Client alice(quickReconnect(1000)); // back after 500 to 1000 ms: bob is done by then
    Messages seen;
    seen.attach(alice);
    QSignalSpy connected(&alice, &Client::connected);
    QSignalSpy disconnected(&alice, &Client::disconnected);
    alice.open(server.wsUrl(u"/chat"_s));
    QVERIFY(await(alice.join(u"r"_s)).ok());
    auto bob = server.client(u"/chat"_s);
    QVERIFY(bob && bob->join(u"r"_s).ok());
    for (int i = 1; i <= 3; ++i)
        QVERIFY(bob->request(u"chat:send"_s, i, u"r"_s).ok());
    QTRY_COMPARE(seen.offsets, range(1, 3));

    // The server drops alice (1001: going away, reconnect); bob talks while she is gone.
    const QString first = alice.socketId();
    QVERIFY(server.hub().disconnect(first, 1001, u"restarting"_s));
    QVERIFY(waitForState(alice, Client::Reconnecting));
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.first().at(0).toInt(), 1001);
    QCOMPARE(disconnected.first().at(2).toBool(), true);
    QTRY_VERIFY(!server.hub().session(first));
    for (int i = 4; i <= 5; ++i)
        QVERIFY(bob->request(u"chat:send"_s, i, u"r"_s).ok());
    QCOMPARE(alice.state(), Client::Reconnecting); // still away: 4 and 5 can only come as a replay

    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 5000);
    QCOMPARE(connected.last().at(1).toBool(), true); // reconnected
    QVERIFY(alice.socketId() != first);
    QCOMPARE(seen.offsets, range(1, 5)); // replayed before "connected", after the rejoin with since 3
    QVERIFY(server.hub().session(alice.socketId())->isInRoom(u"r"_s));

    QVERIFY(bob->request(u"chat:send"_s, 6, u"r"_s).ok());
    QTRY_COMPARE(seen.offsets, range(1, 6));
    QVERIFY(await(alice.request(u"test:fence"_s)).errorCode() == u"unknown_event"_s);
    QCOMPARE(seen.offsets, range(1, 6)); // nothing twice
    QCOMPARE(seen.payloads.last().toInt(), 6);
}

void tst_Client::replayOverlappingWhatWasSeenIsDropped()
{
    ExampleServer server;
    Client alice;
    Messages seen;
    seen.attach(alice);
    QSignalSpy frames(&alice, &Client::frameReceived);
    alice.open(server.wsUrl(u"/chat"_s));
    QVERIFY(await(alice.join(u"r"_s)).ok());
    for (int i = 1; i <= 3; ++i)
        QVERIFY(await(alice.request(u"chat:send"_s, i, u"r"_s)).ok());
    QTRY_COMPARE(seen.offsets, range(1, 3));

    // A raw join asking for everything again: the server replays 1..3, the client drops them.
    frames.clear();
    QVERIFY(alice.sendFrame(QJsonObject{{u"event"_s, u"room:join"_s}, {u"room"_s, u"r"_s}, {u"id"_s, u"raw"_s},
                                        {u"payload"_s, QJsonObject{{u"since"_s, 0}}}}));
    QTRY_VERIFY(!frames.isEmpty() && frames.last().at(0).toJsonObject().value("id"_L1) == u"raw"_s);
    qsizetype replayed = 0;
    for (const QList<QVariant> &frame : std::as_const(frames))
        replayed += frame.at(0).toJsonObject().value("event"_L1) == u"chat:message"_s;
    QCOMPARE(replayed, 3); // they did arrive (frameReceived shows every frame) ...
    QCOMPARE(seen.offsets, range(1, 3)); // ... and were not delivered again
}

void tst_Client::lostHistoryIsReportedAsGap()
{
    TestServer server(withSmallWindow);
    Client reader(quickReconnect(1000)); // back after 500 to 1000 ms: the writer is done by then
    QSignalSpy gap(&reader, &Client::gap);
    QSignalSpy connected(&reader, &Client::connected);
    reader.open(server.wsUrl(u"/log"_s));
    QVERIFY(await(reader.join(u"l"_s)).ok());
    auto writer = server.client(u"/log"_s);
    QVERIFY(writer && writer->join(u"l"_s).ok());
    QVERIFY(writer->request(u"log:write"_s, 1, u"l"_s).ok());
    QTRY_COMPARE(reader.roomOffset(u"l"_s), std::optional<qint64>(1));

    const QString first = reader.socketId();
    QVERIFY(server.hub().disconnect(first, 4101, u"slow"_s));
    QVERIFY(waitForState(reader, Client::Reconnecting));
    QTRY_VERIFY(!server.hub().session(first));
    for (int i = 2; i <= 10; ++i) // the room keeps 8..10 only
        QVERIFY(writer->request(u"log:write"_s, i, u"l"_s).ok());
    QCOMPARE(reader.state(), Client::Reconnecting);
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 5000);
    QCOMPARE(gap.size(), 1);
    QCOMPARE(gap.first().at(0).toString(), u"l"_s);
    QCOMPARE(gap.first().at(1).toLongLong(), 1);
    QCOMPARE(gap.first().at(2).toLongLong(), 10);
    QCOMPARE(reader.roomOffset(u"l"_s), std::optional<qint64>(10)); // continues from the room's offset
}

void tst_Client::finalCloseCodeDoesNotReconnect()
{
    ExampleServer server;
    Client client(quickReconnect(50));
    QSignalSpy disconnected(&client, &Client::disconnected);
    QSignalSpy reconnecting(&client, &Client::reconnecting);
    client.open(server.wsUrl(u"/chat"_s));
    QVERIFY(await(client.join(u"lobby"_s)).ok());
    QVERIFY(server.hub().disconnect(client.socketId(), 4009, u"kicked by an operator"_s));
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(disconnected.first().at(0).toInt(), 4009);
    QCOMPARE(disconnected.first().at(1).toString(), u"kicked by an operator"_s);
    QCOMPARE(disconnected.first().at(2).toBool(), false);
    QCOMPARE(client.state(), Client::Disconnected);
    QCOMPARE(reconnecting.size(), 0);
    QCOMPARE(client.lastCloseCode(), 4009);
    QCOMPARE(await(client.request(u"chat:send"_s)).errorCode(), u"closed"_s);
    QVERIFY(!client.send(u"chat:send"_s));
    // Open again on purpose: the remembered room is rejoined.
    QSignalSpy connected(&client, &Client::connected);
    client.open(server.wsUrl(u"/chat"_s));
    QVERIFY(connected.wait(5000));
    QVERIFY(server.hub().session(client.socketId())->isInRoom(u"lobby"_s));
}

void tst_Client::reconnectingCloseCodes_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("tokenSource");
    QTest::addColumn<bool>("reconnects");
    QTest::newRow("1001 going away") << 1001 << false << true;
    QTest::newRow("4101 slow consumer") << 4101 << false << true;
    QTest::newRow("4103 no heartbeat") << 4103 << false << true;
    QTest::newRow("1000 normal") << 1000 << false << false;
    QTest::newRow("1008 policy") << 1008 << false << false;
    QTest::newRow("4009 kicked") << 4009 << true << false;
    QTest::newRow("4029 rate limited") << 4029 << false << false;
    QTest::newRow("4010 expired, no token source") << 4010 << false << false;
    QTest::newRow("4010 expired, token source") << 4010 << true << true;
    QTest::newRow("4001 unauthorized, no token source") << 4001 << false << false;
    QTest::newRow("4001 unauthorized, token source") << 4001 << true << true;
}

void tst_Client::reconnectingCloseCodes()
{
    QFETCH(int, code);
    QFETCH(bool, tokenSource);
    QFETCH(bool, reconnects);
    ExampleServer server;
    Client client(quickReconnect(50));
    int asked = 0;
    if (tokenSource) // a guest's empty token, but a source: 4001 / 4010 may then be retried
        client.setTokenProvider([&asked] {
            ++asked;
            return QString();
        });
    QSignalSpy disconnected(&client, &Client::disconnected);
    QSignalSpy connected(&client, &Client::connected);
    client.open(server.wsUrl(u"/chat"_s));
    QVERIFY(connected.wait(5000));
    QVERIFY(server.hub().disconnect(client.socketId(), code, u"test"_s));
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(disconnected.first().at(0).toInt(), code);
    QCOMPARE(disconnected.first().at(2).toBool(), reconnects);
    if (reconnects) {
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 5000);
        QCOMPARE(connected.last().at(1).toBool(), true);
        QCOMPARE(asked, tokenSource ? 2 : 0); // asked again for the new connection
    } else {
        QCOMPARE(client.state(), Client::Disconnected);
    }
}

void tst_Client::droppedTcpReconnects()
{
    // The server process killed: TCP ends without a close frame (1006), then it is back on its port.
    QTemporaryDir data;
    const QProcessEnvironment environment = ServerProcess::environment(data.path());
    auto server = std::make_unique<ServerProcess>();
    QVERIFY(server->start({u"--port"_s, u"0"_s, u"--threads"_s, u"1"_s}, environment));
    const QString port = QString::number(server->url.port());
    Client client(quickReconnect(200));
    QSignalSpy disconnected(&client, &Client::disconnected);
    QSignalSpy connected(&client, &Client::connected);
    client.open(server->ws(u"/chat"_s), QString::fromLatin1(ServerProcess::token(environment, u"alice"_s)));
    QVERIFY(connected.wait(5000));
    QVERIFY(await(client.join(u"lobby"_s)).ok());

    server->process.kill();
    QVERIFY(server->process.waitForFinished(5000));
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(disconnected.first().at(0).toInt(), 1006);
    QCOMPARE(disconnected.first().at(2).toBool(), true);
    // Attempts against the closed port fail and are retried.
    QTRY_VERIFY_WITH_TIMEOUT(client.lastCloseCode() == 1006 && client.state() == Client::Reconnecting, 5000);

    server = std::make_unique<ServerProcess>();
    QVERIFY(server->start({u"--port"_s, port, u"--threads"_s, u"1"_s}, environment));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 10000); // it may be back while start() waits
    QCOMPARE(connected.last().at(1).toBool(), true);
    QVERIFY(client.isJoined(u"lobby"_s));
    QVERIFY(await(client.request(u"chat:send"_s, QJsonObject{{u"text"_s, u"back"_s}}, u"lobby"_s)).ok());
}

void tst_Client::offlineQueueIsBoundedAndFlushedAfterRejoin()
{
    ExampleServer server;
    ClientOptions options = quickReconnect(400);
    options.queueLimit = 2;
    Client alice(options);
    Messages seen;
    seen.attach(alice);
    QSignalSpy connected(&alice, &Client::connected);
    alice.open(server.wsUrl(u"/chat"_s));
    QVERIFY(await(alice.join(u"r"_s)).ok());
    QVERIFY(await(alice.request(u"chat:send"_s, 1, u"r"_s)).ok());

    QVERIFY(server.hub().disconnect(alice.socketId(), 1001, u"restarting"_s));
    QVERIFY(waitForState(alice, Client::Reconnecting));
    QVERIFY(alice.send(u"chat:send"_s, 2, u"r"_s)); // queued
    const Watched queued = watch(alice.request(u"chat:send"_s, 3, u"r"_s)); // queued
    cortado::Reply why;
    QVERIFY(!alice.send(u"chat:send"_s, 4, u"r"_s, &why)); // over the bound: refused, not dropped silently
    QCOMPARE(why.errorCode(), u"queue_full"_s);
    QCOMPARE(await(alice.request(u"chat:send"_s, 5, u"r"_s)).errorCode(), u"queue_full"_s);
    // Whatever a slot sends the moment the state says Connected comes after the queue.
    bool sentOnConnected = false;
    connect(&alice, &Client::stateChanged, this, [&](Client::State state) {
        if (state == Client::Connected && !std::exchange(sentOnConnected, true))
            alice.send(u"chat:send"_s, 6, u"r"_s);
    });

    const cortado::Reply ack = await(queued);
    QVERIFY2(ack.ok(), qPrintable(ack.toString()));
    QCOMPARE(connected.size(), 2);
    QTRY_COMPARE(seen.offsets, range(1, 4));
    QCOMPARE(seen.payloads, (QList<QJsonValue>{1, 2, 3, 6}));
}

void tst_Client::queuedRequestThatTimesOutIsNeverSent()
{
    ExampleServer server;
    Client alice(quickReconnect(1000)); // back after 500 to 1000 ms
    Messages seen;
    seen.attach(alice);
    alice.open(server.wsUrl(u"/chat"_s));
    QVERIFY(await(alice.join(u"r"_s)).ok());
    QVERIFY(server.hub().disconnect(alice.socketId(), 1001, u"restarting"_s));
    QVERIFY(waitForState(alice, Client::Reconnecting));

    const Watched late = watch(alice.request(u"chat:send"_s, 1, u"r"_s, 100));
    const Watched kept = watch(alice.request(u"chat:send"_s, 2, u"r"_s));
    QCOMPARE(await(late).errorCode(), u"timeout"_s);
    QCOMPARE(alice.state(), Client::Reconnecting); // it timed out while still queued
    const cortado::Reply ack = await(kept);
    QVERIFY2(ack.ok(), qPrintable(ack.toString()));
    QCOMPARE(ack.payload()[u"offset"].toInt(), 1); // the first message of the room: 1 never went out
    QCOMPARE(seen.payloads.size(), 1); // the sender's copy comes before its ack
    QCOMPARE(seen.payloads.first().toInt(), 2);
}

void tst_Client::joinWaitsForTheConnectionAndLeaveForgets()
{
    ExampleServer server;
    Client client(quickReconnect(100));
    QSignalSpy connected(&client, &Client::connected);
    QSignalSpy rooms(&client, &Client::roomsChanged);
    const Watched joined = watch(client.join(u"a"_s)); // before open(): waits for the connection
    QCOMPARE(client.rooms(), QStringList{u"a"_s});
    QCOMPARE(rooms.size(), 1);
    QVERIFY(!client.isJoined(u"a"_s));
    client.open(server.wsUrl(u"/chat"_s));
    const cortado::Reply ack = await(joined);
    QVERIFY2(ack.ok(), qPrintable(ack.toString()));
    QCOMPARE(ack.payload()[u"room"].toString(), u"a"_s);
    QVERIFY(server.hub().session(client.socketId())->isInRoom(u"a"_s));
    QVERIFY(await(client.join(u"b"_s)).ok());

    const cortado::Reply left = await(client.leave(u"a"_s));
    QCOMPARE(left.payload()[u"left"].toBool(), true);
    QCOMPARE(client.rooms(), QStringList{u"b"_s});
    QCOMPARE(await(client.leave(u"never"_s)).payload()[u"left"].toBool(), false);

    // After a reconnect only the remembered room is rejoined.
    QVERIFY(server.hub().disconnect(client.socketId(), 1001, u"restarting"_s));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 5000);
    const cortado::Session *session = server.hub().session(client.socketId());
    QVERIFY(session);
    QVERIFY(session->isInRoom(u"b"_s));
    QVERIFY(!session->isInRoom(u"a"_s));
}

void tst_Client::pendingRequestsAreBounded()
{
    ExampleServer server;
    ClientOptions options;
    options.maxPendingRequests = 2;
    Client client(options);
    client.open(server.wsUrl(u"/chat"_s));
    QVERIFY(await(client.join(u"r"_s)).ok());
    // The server runs in this thread: nothing is answered before the event loop runs again.
    const Watched one = watch(client.request(u"chat:send"_s, 1, u"r"_s));
    const Watched two = watch(client.request(u"chat:send"_s, 2, u"r"_s));
    const cortado::Reply three = await(client.request(u"chat:send"_s, 3, u"r"_s));
    QCOMPARE(three.errorCode(), u"too_many_requests"_s);
    QVERIFY(await(one).ok());
    QVERIFY(await(two).ok());
    QVERIFY(await(client.request(u"chat:send"_s, 4, u"r"_s)).ok()); // room again once answered
}

void tst_Client::closeFailsWhatIsPending()
{
    ExampleServer server;
    Client client;
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.open(server.wsUrl(u"/chat"_s));
    QVERIFY(await(client.join(u"r"_s)).ok());
    QVERIFY(await(client.request(u"test:fence"_s)).errorCode() == u"unknown_event"_s);
    const QString id = client.socketId();
    const Watched inFlight = watch(client.request(u"chat:send"_s, 1, u"r"_s));
    client.close();
    QCOMPARE(client.state(), Client::Disconnected);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.first().at(0).toInt(), 1000);
    QCOMPARE(await(inFlight).errorCode(), u"closed"_s);
    QTRY_VERIFY(!server.hub().session(id)); // the close frame reached the server
}

void tst_Client::tokenIsRefreshedBeforeExpiry()
{
    ExampleServer server;
    Client client;
    int asked = 0;
    QElapsedTimer sinceFirstToken;
    // tokenConfig() warns 2 s before expiry: a 3 s token is announced as expiring about 1 s in.
    client.setTokenProvider([&asked, &sinceFirstToken] {
        if (++asked == 1)
            sinceFirstToken.start();
        return QString::fromLatin1(TestServer::token(u"alice"_s, {}, asked == 1 ? 3 : 3600));
    });
    QSignalSpy refreshed(&client, &Client::tokenRefreshed);
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.open(server.wsUrl(u"/chat"_s));
    QVERIFY(refreshed.wait(5000));
    QCOMPARE(asked, 2);
    QCOMPARE(refreshed.first().at(0).toJsonObject().value("user"_L1).toString(), u"alice"_s);
    // Past the first token's expiry (at most 3 s after it was made) the connection is the same.
    const QString id = client.socketId();
    QTest::qWait(int(std::max<qint64>(0, 3600 - sinceFirstToken.elapsed()))); // outliving a deadline takes the time
    QCOMPARE(disconnected.size(), 0);
    QCOMPARE(client.socketId(), id);
    QVERIFY(await(client.request(u"test:fence"_s)).errorCode() == u"unknown_event"_s);
    QCOMPARE(disconnected.size(), 0);
}

void tst_Client::exampleProgramChats()
{
    // shared/client/example/chatclient.cpp, as docs/qt-client.md runs it: lines typed go to the
    // room, messages of the room are printed.
    ExampleServer server;
    auto bob = server.client(u"/chat"_s);
    QVERIFY(bob && bob->join(u"lobby"_s).ok());
    QProcess example;
    example.start(QStringLiteral(CORTADO_CHAT_CLIENT_BINARY), {server.wsUrl(u"/chat"_s).toString(), u"lobby"_s});
    QVERIFY(example.waitForStarted(5000));
    QByteArray output;
    auto printed = [&](QByteArrayView text) {
        return QTest::qWaitFor([&] {
            output += example.readAllStandardOutput();
            return output.contains(text);
        }, 5000);
    };
    QVERIFY2(printed("connected as "), output.constData());
    QTRY_COMPARE(server.hub().members(u"/chat"_s, u"lobby"_s).size(), 2); // it joined

    example.write("hello from stdin\n");
    const QJsonObject heard = bob->expectPush(u"chat:message"_s);
    QCOMPARE(heard.value("payload"_L1)[u"text"].toString(), u"hello from stdin"_s);
    QVERIFY2(printed("ok {\"payload\":{\"delivered\":2,\"offset\":1}}"), output.constData()); // the ack

    bob->send(u"chat:send"_s, QJsonObject{{u"text"_s, u"hi back"_s}}, u"lobby"_s);
    QVERIFY2(printed(": hi back"), output.constData());
    QVERIFY(output.contains("[2] " + bob->socketId().toUtf8() + ": hi back"));

    example.closeWriteChannel(); // end of input: it closes and exits
    QVERIFY(example.waitForFinished(5000));
    QCOMPARE(example.exitCode(), 0);
}

namespace {

// The user the server signed a client's session in as (empty for a guest).
QString sessionUser(TestServer &server, const Client &client)
{
    const auto session = server.hub().session(client.socketId());
    return session ? session->data.value(u"user"_s).toMap().value(u"id"_s).toString() : QString();
}

} // namespace

// open(QNetworkRequest): the request's headers travel with the first attempt and every reconnect;
// a Sec-WebSocket-Protocol header of its own is merged into the list the client offers.
void tst_Client::ownHandshakeGoesWithEveryAttempt()
{
    ExampleServer server;
    QNetworkRequest request(server.wsUrl(u"/chat"_s));
    request.setRawHeader("Authorization", "Bearer " + TestServer::token(u"alice"_s));
    Client client(quickReconnect(50));
    QSignalSpy connected(&client, &Client::connected);
    client.open(request);
    QVERIFY(connected.wait(5000));
    QCOMPARE(client.url(), server.wsUrl(u"/chat"_s));
    QCOMPARE(sessionUser(server, client), u"alice"_s);
    QCOMPARE(client.socket()->subprotocol(), u"cortado.v1"_s);
    QVERIFY(server.hub().disconnect(client.socketId(), 1001, u"restarting"_s)); // reconnects
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 5000);
    QCOMPARE(connected.last().at(1).toBool(), true);
    QCOMPARE(sessionUser(server, client), u"alice"_s);

    // What a browser sends (protocol.md): the token as a subprotocol named in the header.
    QNetworkRequest browser(server.wsUrl(u"/chat"_s));
    browser.setRawHeader("Sec-WebSocket-Protocol", "cortado.v1, cortado.bearer." + TestServer::token(u"bob"_s));
    Client other;
    QSignalSpy otherConnected(&other, &Client::connected);
    other.open(browser);
    QVERIFY(otherConnected.wait(5000));
    QCOMPARE(sessionUser(server, other), u"bob"_s);
    QCOMPARE(other.socket()->subprotocol(), u"cortado.v1"_s); // never the token
}

void tst_Client::pendingReplyKnowsItsId()
{
    ExampleServer server;
    Client client;
    QSignalSpy frames(&client, &Client::frameReceived);
    client.open(server.wsUrl(u"/chat"_s));
    PendingReply *queued = client.request(u"chat:nothing"_s); // before the welcome: queued
    QCOMPARE(queued->id(), 0);
    qint64 id = 0;
    connect(queued, &PendingReply::finished, this, [&id, queued] { id = queued->id(); });
    QTRY_VERIFY(id > 0);
    const auto ackFor = [&frames](qint64 wanted) {
        for (const QList<QVariant> &arguments : std::as_const(frames)) {
            const QJsonObject frame = arguments.at(0).toJsonObject();
            if (frame.value("event"_L1) == "ack"_L1 && frame.value("id"_L1).toInteger() == wanted)
                return true;
        }
        return false;
    };
    QVERIFY(ackFor(id));
    PendingReply *next = client.request(u"chat:nothing"_s); // connected: sent at once
    QCOMPARE(next->id(), id + 1);
    QCOMPARE(await(next).errorCode(), u"unknown_event"_s);
    QVERIFY(ackFor(id + 1));
}

QTEST_GUILESS_MAIN(tst_Client)
#include "tst_client.moc"
