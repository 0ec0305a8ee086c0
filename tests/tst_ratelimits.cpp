// Rate limits and admission: a flood meets them at once, a normal client on the same server never does.
#include "core/ratelimit.h"
#include "testserver.h"

#include <QTcpSocket>
#include <QTest>

using namespace Qt::StringLiterals;
using cortado::RateLimit;

namespace {

cortado::ServerConfig withLimits(const std::function<void(cortado::RateLimits &)> &change)
{
    cortado::ServerConfig config;
    change(config.limits);
    return config;
}

QByteArray upgradeRequest(const QByteArray &extraHeaders = {})
{
    return "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + extraHeaders + "\r\n";
}

// Sends `count` chat:send requests at once and waits for every answer; returns the error codes seen.
QStringList flood(TestClient &client, int count, int firstId)
{
    for (int i = 0; i < count; ++i)
        client.sendFrame(QJsonObject{{u"event"_s, u"chat:send"_s}, {u"room"_s, u"lobby"_s},
                                     {u"payload"_s, QJsonObject{{u"text"_s, u"spam"_s}}}, {u"id"_s, firstId + i}});
    QStringList codes;
    for (int i = 0; i < count; ++i) {
        const Reply ack = client.waitForAck(firstId + i, 5000);
        if (ack.timedOut())
            break; // closed
        codes.append(ack.ok() ? u"ok"_s : ack.errorCode());
    }
    return codes;
}

} // namespace

class tst_RateLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesLimits_data();
    void parsesLimits();
    void bucketRefillsAtItsRate();
    void limiterForgetsIdleKeysAndStaysBounded();
    void floodingSocketIsLimitedThenClosed();
    void userLimitSpansTheirSockets();
    void guestsOfOneAddressShareABucket();
    void eventCanHaveItsOwnLimit();
    void restRequestsGet429WithRetryAfter();
    void handshakesPerAddressAreLimited();
    void originAllowlist_data();
    void originAllowlist();
    void guestsOpenFewRoomsWithHistory();
};

void tst_RateLimits::parsesLimits_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<double>("perSecond");
    QTest::addColumn<double>("burst");
    QTest::newRow("rate/burst") << u"100/200"_s << true << 100.0 << 200.0;
    QTest::newRow("rate only") << u"5"_s << true << 5.0 << 10.0;
    QTest::newRow("fractional") << u"0.5/1"_s << true << 0.5 << 1.0;
    QTest::newRow("off") << u"off"_s << true << 0.0 << 0.0;
    QTest::newRow("zero") << u"0"_s << true << 0.0 << 0.0;
    QTest::newRow("negative") << u"-1/2"_s << false << 0.0 << 0.0;
    QTest::newRow("burst below one") << u"10/0"_s << false << 0.0 << 0.0;
    QTest::newRow("words") << u"fast"_s << false << 0.0 << 0.0;
    QTest::newRow("three parts") << u"1/2/3"_s << false << 0.0 << 0.0;
    QTest::newRow("infinite") << u"inf/10"_s << false << 0.0 << 0.0;
}

void tst_RateLimits::parsesLimits()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(double, perSecond);
    QFETCH(double, burst);
    const std::optional<RateLimit> limit = RateLimit::parse(text);
    QCOMPARE(limit.has_value(), valid);
    if (valid) {
        QCOMPARE(limit->perSecond, perSecond);
        QCOMPARE(limit->burst, burst);
    }
}

void tst_RateLimits::bucketRefillsAtItsRate()
{
    const RateLimit limit{10, 3}; // 10/s, bursts of 3
    cortado::TokenBucket bucket;
    qint64 retryAfterMs = 0;
    for (int i = 0; i < 3; ++i)
        QVERIFY(bucket.take(limit, 1000));
    QVERIFY(!bucket.take(limit, 1000, &retryAfterMs));
    QCOMPARE(retryAfterMs, 100); // one token every 100 ms
    QVERIFY(!bucket.take(limit, 1050));
    QVERIFY(bucket.take(limit, 1100));
    QVERIFY(!bucket.isFull(limit, 1100));
    QVERIFY(bucket.isFull(limit, 1400));
    QVERIFY(bucket.take(RateLimit{}, 0)); // no limit: always
}

void tst_RateLimits::limiterForgetsIdleKeysAndStaysBounded()
{
    cortado::RateLimiter limiter(RateLimit{1, 1}, 3);
    QVERIFY(limiter.take(u"a"_s, 0));
    QVERIFY(limiter.take(u"b"_s, 0));
    QVERIFY(limiter.take(u"c"_s, 0));
    QVERIFY(!limiter.take(u"d"_s, 0)); // full of busy keys: a newcomer waits
    QCOMPARE(limiter.size(), 3);
    QVERIFY(limiter.take(u"d"_s, 2000)); // a, b, c refilled and are forgotten
    QCOMPARE(limiter.size(), 1);
}

void tst_RateLimits::floodingSocketIsLimitedThenClosed()
{
    ExampleServer server(withLimits([](cortado::RateLimits &limits) {
        limits.eventsPerSocket = RateLimit{10, 20};
        limits.refusalsBeforeClose = 30;
    }));
    auto spammer = server.client(u"/chat"_s), neighbour = server.client(u"/chat"_s);
    QVERIFY(spammer && neighbour);
    QVERIFY(neighbour->join(u"lobby"_s).ok());
    QVERIFY(spammer->join(u"lobby"_s).ok());

    const QStringList first = flood(*spammer, 40, 1000);
    QCOMPARE(first.size(), 40);
    QVERIFY2(first.count(u"ok"_s) >= 15 && first.count(u"ok"_s) <= 25, qPrintable(first.join(u' ')));
    QCOMPARE(first.count(u"ok"_s) + first.count(u"rate_limited"_s), 40);
    const Reply refused = [&] {
        for (const QJsonObject &frame : spammer->received(u"ack"_s)) {
            if (!Reply(frame).ok())
                return Reply(frame);
        }
        return Reply();
    }();
    QVERIFY(refused.errorDetails().value("retryAfterMs"_L1).toInt() > 0);

    // The neighbour in the same room is served as usual meanwhile.
    QVERIFY(neighbour->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hello"_s}}, u"lobby"_s)
                    .ok());

    // Going on after being told: closed with 4029.
    flood(*spammer, 40, 2000);
    QVERIFY(spammer->waitForDisconnected());
    QCOMPARE(spammer->closeCode(), 4029);
    QVERIFY(neighbour->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"still here"_s}}, u"lobby"_s)
                    .ok());
}

void tst_RateLimits::userLimitSpansTheirSockets()
{
    ExampleServer server(withLimits([](cortado::RateLimits &limits) {
        limits.eventsPerSocket = RateLimit{1000, 1000};
        limits.eventsPerUser = RateLimit{0.1, 6}; // six, then one every 10 s
    }));
    auto tab1 = server.client(u"/chat"_s, u"alice"_s), tab2 = server.client(u"/chat"_s, u"alice"_s),
         bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(tab1 && tab2 && bob);
    for (int i = 0; i < 3; ++i) {
        QVERIFY(tab1->join(u"lobby"_s).ok());
        QVERIFY(tab2->join(u"lobby"_s).ok());
    }
    const Reply refused = tab1->join(u"lobby"_s);
    QCOMPARE(refused.errorCode(), u"rate_limited"_s);
    QCOMPARE(tab2->join(u"lobby"_s).errorCode(), u"rate_limited"_s);
    QVERIFY(bob->join(u"lobby"_s).ok()); // another user has a bucket of his own
}

void tst_RateLimits::guestsOfOneAddressShareABucket()
{
    // A flooder who reconnects for a fresh socket bucket gains nothing.
    ExampleServer server(withLimits([](cortado::RateLimits &limits) {
        limits.eventsPerSocket = RateLimit{1000, 1000};
        limits.guestEventsPerAddress = RateLimit{0.1, 5};
    }));
    auto first = server.client(u"/chat"_s);
    QVERIFY(first);
    for (int i = 0; i < 5; ++i)
        QVERIFY(first->join(u"lobby"_s).ok());
    auto second = server.client(u"/chat"_s);
    QVERIFY(second);
    QCOMPARE(second->join(u"lobby"_s).errorCode(), u"rate_limited"_s);
    auto alice = server.client(u"/chat"_s, u"alice"_s); // signed in: her own bucket
    QVERIFY(alice && alice->join(u"lobby"_s).ok());
}

void tst_RateLimits::eventCanHaveItsOwnLimit()
{
    TestServer server(TestServer::routes([](cortado::Router &router) {
        router.addWebSocketRoute(u"limited.ws.cpp"_s, [](cortado::WsRoute &route) {
            route.on(u"report:build"_s, [](cortado::EventContext &) { return cortado::Ack::ok(); })
                    .limit(RateLimit{0.1, 1});
            route.on(u"chat:send"_s, [](cortado::EventContext &) { return cortado::Ack::ok(); });
        });
    }));
    auto client = server.client(u"/limited"_s);
    QVERIFY(client);
    QVERIFY(client->request(u"report:build"_s).ok());
    QCOMPARE(client->request(u"report:build"_s).errorCode(),
             u"rate_limited"_s);
    QVERIFY(client->request(u"chat:send"_s).ok()); // other events are not affected
}

void tst_RateLimits::restRequestsGet429WithRetryAfter()
{
    ExampleServer server(withLimits([](cortado::RateLimits &limits) { limits.restPerClient = RateLimit{0.5, 2}; }));
    QCOMPARE(server.http("GET", u"/health"_s).status, 200);
    QCOMPARE(server.http("GET", u"/health"_s).status, 200);
    const HttpReply refused = server.http("GET", u"/health"_s);
    QCOMPARE(refused.status, 429);
    QCOMPARE(refused.json().value("error"_L1).toString(), u"rate_limited"_s);
    QCOMPARE(refused.header("retry-after"), "2"_ba); // one request every 2 s
    // A signed-in user is counted on their own, not with the address.
    const QList<QPair<QByteArray, QByteArray>> alice{{"Authorization", "Bearer " + TestServer::token(u"alice"_s)}};
    QCOMPARE(server.http("GET", u"/health"_s, {}, alice).status, 200);
    // And WebSockets from that address are not REST requests.
    QVERIFY(server.client(u"/chat"_s));
}

void tst_RateLimits::handshakesPerAddressAreLimited()
{
    ExampleServer server(withLimits([](cortado::RateLimits &limits) {
        limits.handshakesPerAddress = RateLimit{0.2, 2};
    }));
    auto first = server.client(u"/chat"_s), second = server.client(u"/chat"_s);
    QVERIFY(first && second);
    const HttpReply refused = rawHttp(server, upgradeRequest());
    QCOMPARE(refused.status, 429);
    QVERIFY(!refused.header("retry-after").isEmpty());
    // The sockets already open keep working, and REST from that address too.
    QVERIFY(first->join(u"lobby"_s).ok());
    QCOMPARE(server.http("GET", u"/health"_s).status, 200);
}

void tst_RateLimits::originAllowlist_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<int>("status");
    QTest::newRow("allowed") << "https://app.example.com"_ba << 101;
    QTest::newRow("another site") << "https://evil.example"_ba << 403;
    QTest::newRow("lookalike") << "https://app.example.com.evil.example"_ba << 403;
    QTest::newRow("no origin (not a browser)") << ""_ba << 101;
}

void tst_RateLimits::originAllowlist()
{
    QFETCH(QByteArray, origin);
    QFETCH(int, status);
    cortado::ServerConfig config;
    config.allowedOrigins = {u"https://app.example.com"_s};
    ExampleServer server(config);
    const HttpReply reply = rawHttp(server, upgradeRequest(origin.isEmpty() ? QByteArray() : "Origin: " + origin + "\r\n"));
    QCOMPARE(reply.status, status);
    if (status == 403)
        QCOMPARE(reply.json().value("error"_L1).toString(), u"forbidden"_s);
}

void tst_RateLimits::guestsOpenFewRoomsWithHistory()
{
    ExampleServer server(withLimits([](cortado::RateLimits &limits) { limits.guestHistoryRooms = 2; }));
    auto guest = server.client(u"/chat"_s), alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(guest && alice);
    auto send = [](TestClient &client, const QString &room) {
        if (!client.join(room).ok())
            return u"join failed"_s;
        const Reply ack = client.request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hi"_s}}, room);
        return ack.ok() ? u"ok"_s : ack.errorCode();
    };
    QCOMPARE(send(*guest, u"g1"_s), u"ok"_s);
    QCOMPARE(send(*guest, u"g2"_s), u"ok"_s);
    QCOMPARE(send(*guest, u"g1"_s), u"ok"_s); // rooms the guests opened stay open to them
    QCOMPARE(send(*guest, u"g3"_s), u"forbidden"_s); // one more: refused, nothing stored or sent
    QCOMPARE(server.hub().history().latestOffset(u"/chat"_s, u"g3"_s), 0);
    QCOMPARE(send(*alice, u"g3"_s), u"ok"_s); // signed in: not counted
    QCOMPARE(send(*guest, u"g3"_s), u"ok"_s); // and once open, guests may talk there
}

QTEST_MAIN(tst_RateLimits)
#include "tst_ratelimits.moc"
