// Heavy handlers run on the worker pool: a slow one does not hold up anybody else.
#include "testserver.h"

#include <QElapsedTimer>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;

static void routesWithHeavyWork(cortado::Router &router)
{
    router.addWebSocketRoute(u"reports.ws.cpp"_s, [](cortado::WsRoute &route) {
        route.onHeavy(
                u"report:build"_s,
                [](const cortado::HeavyRequest &request) -> QJsonValue {
                    const int ms = request.payload.toObject().value("ms"_L1).toInt();
                    if (ms < 0)
                        throw std::runtime_error("negative work");
                    QThread::msleep(ms); // stands in for real CPU work or a blocking call
                    return QJsonObject{{u"rows"_s, 42}, {u"thread"_s, QString::number(quintptr(QThread::currentThreadId()))}};
                },
                [](cortado::EventContext &ctx, const QJsonValue &result) {
                    if (ctx.room())
                        ctx.realtime().emit(ctx.toRoom(*ctx.room()), u"report:ready"_s, result);
                    return cortado::Ack::ok(result);
                });
    });
}

class tst_Workers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void slowHeavyHandlerDoesNotDelayOthers();
    void resultIsBroadcastFromTheEventLoop();
    void failingWorkGetsAnErrorAck();
    void socketThatLeftIsSkipped();
    void heavyJobsOverTheBoundAreOverloaded();
};

void tst_Workers::slowHeavyHandlerDoesNotDelayOthers()
{
    TestServer server(TestServer::routes(routesWithHeavyWork));
    auto slow = server.client(u"/reports"_s), other = server.client(u"/reports"_s);
    QVERIFY(slow && other);
    slow->sendFrame(QJsonObject{{u"event"_s, u"report:build"_s}, {u"payload"_s, QJsonObject{{u"ms"_s, 1500}}}, {u"id"_s, 1}});
    QVERIFY(slow->fence()); // the server read the request before the fence: the work is running now

    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 5; ++i)
        QVERIFY(other->join(u"room-%1"_s.arg(i)).ok());
    QVERIFY2(timer.elapsed() < 500, qPrintable(u"5 acks took %1 ms"_s.arg(timer.elapsed())));
    QCOMPARE(slow->received(u"ack"_s).size(), 1); // the fence's; the work's is still to come

    const Reply ack = slow->waitForAck(1, 5000);
    QCOMPARE(ack.ok(), true);
    QCOMPARE(ack.payload()[u"rows"].toInt(), 42);
    QVERIFY(ack.payload()[u"thread"].toString()
            != QString::number(quintptr(QThread::currentThreadId()))); // not the event loop's thread
}

void tst_Workers::resultIsBroadcastFromTheEventLoop()
{
    TestServer server(TestServer::routes(routesWithHeavyWork));
    auto asker = server.client(u"/reports"_s), member = server.client(u"/reports"_s);
    QVERIFY(asker && member);
    QVERIFY(asker->join(u"team"_s).ok());
    QVERIFY(member->join(u"team"_s).ok());
    QCOMPARE(asker->request(u"report:build"_s, QJsonObject{{u"ms"_s, 50}}, u"team"_s).ok(), true);
    QVERIFY(member->waitFor(u"report:ready"_s));
}

void tst_Workers::failingWorkGetsAnErrorAck()
{
    TestServer server(TestServer::routes(routesWithHeavyWork));
    auto client = server.client(u"/reports"_s);
    QVERIFY(client);
    const Reply ack = client->request(u"report:build"_s, QJsonObject{{u"ms"_s, -1}});
    QCOMPARE(ack.errorCode(), u"internal_error"_s);
    QVERIFY(client->join(u"fine"_s).ok());
}

void tst_Workers::socketThatLeftIsSkipped()
{
    TestServer server(TestServer::routes(routesWithHeavyWork));
    auto client = server.client(u"/reports"_s);
    QVERIFY(client);
    client->sendFrame(QJsonObject{{u"event"_s, u"report:build"_s}, {u"payload"_s, QJsonObject{{u"ms"_s, 1000}}}, {u"id"_s, 1}});
    QVERIFY(client->fence()); // the work is running
    QCOMPARE(server.server().webSockets().heavyJobsInFlight(), 1);
    client->socket().abort();
    QTRY_COMPARE(server.hub().sessionCount(), 0);
    // The result comes back to the event loop for nobody, and nothing breaks.
    QTRY_COMPARE(server.server().webSockets().heavyJobsInFlight(), 0);
    QVERIFY(server.client(u"/reports"_s));
}

void tst_Workers::heavyJobsOverTheBoundAreOverloaded()
{
    cortado::ServerConfig config;
    config.limits.heavyJobs = 1;
    TestServer server(TestServer::routes(routesWithHeavyWork), config);
    auto busy = server.client(u"/reports"_s), next = server.client(u"/reports"_s);
    QVERIFY(busy && next);
    busy->sendFrame(QJsonObject{{u"event"_s, u"report:build"_s}, {u"payload"_s, QJsonObject{{u"ms"_s, 1000}}}, {u"id"_s, 1}});
    QVERIFY(busy->fence()); // the one allowed job is running

    const Reply refused = next->request(u"report:build"_s, QJsonObject{{u"ms"_s, 0}});
    QCOMPARE(refused.errorCode(), u"overloaded"_s);
    QVERIFY(busy->waitForAck(1, 5000).ok()); // the running one was not disturbed
    QTRY_COMPARE(server.server().webSockets().heavyJobsInFlight(), 0);
    QVERIFY2(next->request(u"report:build"_s, QJsonObject{{u"ms"_s, 0}}).ok(), "a free slot is used again");
}

QTEST_GUILESS_MAIN(tst_Workers)
#include "tst_workers.moc"
