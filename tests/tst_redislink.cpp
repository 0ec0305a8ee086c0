// cluster::RedisLink against a real redis-server: up, pub/sub with binary payloads, commands,
// scripts after SCRIPT FLUSH, a killed / restarted / paused Redis, the pending-bytes bound, and the
// redis:// URL.
#include "cluster/redislink.h"
#include "redis.h"

#include <QEventLoop>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Qt::StringLiterals;
using cortado::cluster::RedisLink;
using cortado::cluster::RedisUrl;
using cortado::cluster::RedisValue;

class tst_RedisLink : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void urlParses_data();
    void urlParses();
    void comesUpAndRoundTripsBinaryMessages();
    void commandsGetTheirReplies();
    void scriptRunsAgainAfterScriptFlush();
    void authenticatesAndSelectsTheDatabase();
    void killedRedisFailsPendingAndReconnects();
    void pausedRedisIsDownWithinThePingTimeout();
    void overPendingBytesRefusesAndGoesDown();
    void subscriptionsChangeWhileUp();
    void hostNameIsResolved();
    void noRedisStaysDownWithTheReason();
    void deletingTheLinkInsideAHandlerIsSafe();
};

namespace {

RedisUrl urlOf(const RedisInstance &redis, const QString &host = u"127.0.0.1"_s)
{
    RedisUrl url;
    url.host = host;
    url.port = redis.port();
    return url;
}

// Short timings: a hung Redis is noticed within a second, reconnects come quickly.
RedisLink::Limits quickLimits()
{
    RedisLink::Limits limits;
    limits.connectTimeoutMs = 500;
    limits.pingIntervalMs = 100;
    limits.pingTimeoutMs = 300;
    limits.backoffMinMs = 20;
    limits.backoffMaxMs = 200;
    return limits;
}

// One command, waiting (bounded) for its reply. std::nullopt: refused or no reply in 5 s.
std::optional<RedisValue> call(RedisLink &link, const QList<QByteArray> &argv)
{
    std::optional<RedisValue> result;
    QEventLoop loop;
    if (!link.command(argv, [&](const RedisValue &value) {
            result = value;
            loop.quit();
        }))
        return std::nullopt;
    QTimer::singleShot(5000, &loop, &QEventLoop::quit);
    if (!result)
        loop.exec();
    return result;
}

} // namespace

void tst_RedisLink::urlParses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QByteArray>("user");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<int>("db");
    QTest::addColumn<QString>("error"); // a part of it

    QTest::newRow("host only") << u"redis://10.0.0.5"_s << true << u"10.0.0.5"_s << 6379 << QByteArray() << QByteArray() << 0 << QString();
    QTest::newRow("port and db") << u"redis://127.0.0.1:6390/3"_s << true << u"127.0.0.1"_s << 6390 << QByteArray() << QByteArray() << 3 << QString();
    QTest::newRow("password") << u"redis://:s3cr%40t@redis.internal:7000"_s << true << u"redis.internal"_s << 7000 << QByteArray() << "s3cr@t"_ba << 0 << QString();
    QTest::newRow("user and password") << u"redis://app:pw@h/1"_s << true << u"h"_s << 6379 << "app"_ba << "pw"_ba << 1 << QString();
    QTest::newRow("trailing slash") << u"redis://h/"_s << true << u"h"_s << 6379 << QByteArray() << QByteArray() << 0 << QString();
    QTest::newRow("ipv6") << u"redis://[::1]:6380"_s << true << u"::1"_s << 6380 << QByteArray() << QByteArray() << 0 << QString();
    QTest::newRow("tls") << u"rediss://h:6379"_s << false << QString() << 0 << QByteArray() << QByteArray() << 0 << u"TLS to Redis needs hiredis >= 1.0"_s;
    QTest::newRow("other scheme") << u"http://h"_s << false << QString() << 0 << QByteArray() << QByteArray() << 0 << u"must be redis://"_s;
    QTest::newRow("no scheme") << u"127.0.0.1:6379"_s << false << QString() << 0 << QByteArray() << QByteArray() << 0 << u"must be redis://"_s;
    QTest::newRow("no host") << u"redis://:pw@:6379"_s << false << QString() << 0 << QByteArray() << QByteArray() << 0 << u"host"_s;
    QTest::newRow("bad port") << u"redis://h:99999"_s << false << QString() << 0 << QByteArray() << QByteArray() << 0 << u"must be redis://"_s;
    QTest::newRow("bad db") << u"redis://h/x"_s << false << QString() << 0 << QByteArray() << QByteArray() << 0 << u"database number"_s;
    QTest::newRow("negative db") << u"redis://h/-1"_s << false << QString() << 0 << QByteArray() << QByteArray() << 0 << u"database number"_s;
    QTest::newRow("user without password") << u"redis://app@h"_s << false << QString() << 0 << QByteArray() << QByteArray() << 0 << u"without a password"_s;
    QTest::newRow("query") << u"redis://h?timeout=1"_s << false << QString() << 0 << QByteArray() << QByteArray() << 0 << u"query"_s;
}

void tst_RedisLink::urlParses()
{
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(QString, error);
    QString actual;
    const std::optional<RedisUrl> url = RedisUrl::parse(text, &actual);
    QCOMPARE(url.has_value(), ok);
    if (!ok) {
        QVERIFY2(actual.contains(error), qPrintable(actual));
        QVERIFY(!actual.contains(u"pw"_s));
        return;
    }
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QByteArray, user);
    QFETCH(QByteArray, password);
    QFETCH(int, db);
    QCOMPARE(url->host, host);
    QCOMPARE(url->port, quint16(port));
    QCOMPARE(url->user, user);
    QCOMPARE(url->password, password);
    QCOMPARE(url->db, db);
    // The password never shows (logs, /health).
    if (!password.isEmpty())
        QVERIFY2(!url->display().contains(QString::fromUtf8(password)), qPrintable(url->display()));
    QVERIFY(url->display().startsWith(u"redis://"_s));
}

void tst_RedisLink::comesUpAndRoundTripsBinaryMessages()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    RedisLink link(urlOf(redis));
    const QByteArray channel("cortado:\0bus"_ba);
    link.setSubscriptions({channel});
    QSignalSpy up(&link, &RedisLink::up);
    QSignalSpy messages(&link, &RedisLink::message);
    QCOMPARE(link.state(), RedisLink::State::Down);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);
    QCOMPARE(link.state(), RedisLink::State::Up);

    // Frames are bytes: NUL and non-UTF-8 survive both ways.
    const QByteArray payload("a\0b\xff\x00z"_ba);
    QVERIFY(link.publish(channel, payload));
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, 5000);
    QCOMPARE(messages.first().at(0).toByteArray(), channel);
    QCOMPARE(messages.first().at(1).toByteArray(), payload);
    QCOMPARE(link.pendingBytes(), 0);
    link.stop();
    QCOMPARE(link.state(), RedisLink::State::Down);
    QVERIFY(!link.publish(channel, payload)); // nothing is queued while Down
}

void tst_RedisLink::commandsGetTheirReplies()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    RedisLink link(urlOf(redis));
    QSignalSpy up(&link, &RedisLink::up);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);

    std::optional<RedisValue> reply = call(link, {"INCR"_ba, "n"_ba});
    QVERIFY(reply);
    QCOMPARE(reply->type, RedisValue::Type::Integer);
    QCOMPARE(reply->integer, 1);
    QCOMPARE(call(link, {"INCR"_ba, "n"_ba})->integer, 2);

    QCOMPARE(call(link, {"SET"_ba, "k\0ey"_ba, "v\0al"_ba})->type, RedisValue::Type::Status);
    reply = call(link, {"GET"_ba, "k\0ey"_ba});
    QCOMPARE(reply->type, RedisValue::Type::String);
    QCOMPARE(reply->string, "v\0al"_ba);
    QCOMPARE(call(link, {"GET"_ba, "missing"_ba})->type, RedisValue::Type::Nil);

    reply = call(link, {"RPUSH"_ba, "l"_ba, "x"_ba, "y"_ba});
    reply = call(link, {"LRANGE"_ba, "l"_ba, "0"_ba, "-1"_ba});
    QCOMPARE(reply->type, RedisValue::Type::Array);
    QCOMPARE(reply->elements.size(), 2);
    QCOMPARE(reply->elements.at(1).string, "y"_ba);

    reply = call(link, {"NOSUCHCOMMAND"_ba});
    QVERIFY(reply->isError());
    QCOMPARE(link.state(), RedisLink::State::Up); // an error reply is an answer, not a fault
}

void tst_RedisLink::scriptRunsAgainAfterScriptFlush()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    RedisLink link(urlOf(redis));
    QSignalSpy up(&link, &RedisLink::up);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);

    const QByteArray lua = "return redis.call('INCRBY', KEYS[1], ARGV[1])"_ba;
    const auto eval = [&](const QByteArray &by) {
        std::optional<RedisValue> result;
        if (!link.evalScript(lua, {"seq"_ba}, {by}, [&](const RedisValue &value) { result = value; }))
            return result;
        (void)QTest::qWaitFor([&] { return result.has_value(); }, 5000);
        return result;
    };
    std::optional<RedisValue> first = eval("5"_ba);
    QVERIFY(first);
    QCOMPARE(first->integer, 5); // first run: NOSCRIPT, then EVAL
    QCOMPARE(eval("2"_ba)->integer, 7); // cached: EVALSHA
    QCOMPARE(redis.cli({u"SCRIPT"_s, u"FLUSH"_s}), std::optional<QByteArray>("OK"_ba));
    std::optional<RedisValue> afterFlush = eval("3"_ba);
    QVERIFY(afterFlush);
    QVERIFY2(!afterFlush->isError(), afterFlush->string.constData());
    QCOMPARE(afterFlush->integer, 10);
}

void tst_RedisLink::authenticatesAndSelectsTheDatabase()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    QCOMPARE(redis.cli({u"ACL"_s, u"SETUSER"_s, u"app"_s, u"on"_s, u">s3cret"_s, u"~*"_s, u"&*"_s, u"+@all"_s}),
             std::optional<QByteArray>("OK"_ba));
    QCOMPARE(redis.cli({u"ACL"_s, u"SETUSER"_s, u"default"_s, u"off"_s}), std::optional<QByteArray>("OK"_ba));

    QString error;
    std::optional<RedisUrl> url = RedisUrl::parse(u"redis://app:s3cret@127.0.0.1:%1/2"_s.arg(redis.port()), &error);
    QVERIFY2(url, qPrintable(error));
    RedisLink link(*url, quickLimits());
    link.setSubscriptions({"bus"_ba}); // SUBSCRIBE after AUTH, on the subscription connection too
    QSignalSpy up(&link, &RedisLink::up);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);
    QCOMPARE(call(link, {"SET"_ba, "where"_ba, "db2"_ba})->type, RedisValue::Type::Status);
    QCOMPARE(redis.cli({u"--user"_s, u"app"_s, u"--pass"_s, u"s3cret"_s, u"--no-auth-warning"_s, u"-n"_s, u"2"_s,
                        u"GET"_s, u"where"_s}),
             std::optional<QByteArray>("db2"_ba));

    // A wrong password: never Up, and lastError says why (without the password).
    url->password = "wrong-pw";
    RedisLink refused(*url, quickLimits());
    QSignalSpy refusedUp(&refused, &RedisLink::up);
    refused.start();
    QTRY_VERIFY_WITH_TIMEOUT(refused.lastError().startsWith(u"AUTH: WRONGPASS"_s), 5000);
    QVERIFY(!refused.lastError().contains(u"wrong-pw"_s));
    QCOMPARE(refused.state() == RedisLink::State::Up, false);
    QCOMPARE(refusedUp.size(), 0);
}

void tst_RedisLink::killedRedisFailsPendingAndReconnects()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    RedisLink link(urlOf(redis), quickLimits());
    link.setSubscriptions({"bus"_ba});
    QSignalSpy up(&link, &RedisLink::up);
    QSignalSpy down(&link, &RedisLink::down);
    QSignalSpy messages(&link, &RedisLink::message);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);

    // A command Redis will not answer before it dies.
    std::optional<RedisValue> pending;
    QString errorInHandler;
    QVERIFY(link.command({"BLPOP"_ba, "never"_ba, "0"_ba}, [&](const RedisValue &value) {
        pending = value;
        errorInHandler = link.lastError();
    }));
    QVERIFY(redis.kill());
    QTRY_COMPARE_WITH_TIMEOUT(down.size(), 1, 5000);
    QVERIFY(pending);
    QCOMPARE(pending->type, RedisValue::Type::Nil);
    QVERIFY2(!errorInHandler.isEmpty(), "the handler sees why");
    QCOMPARE(down.first().at(0).toString(), link.lastError());
    QVERIFY(link.state() != RedisLink::State::Up);
    QVERIFY(!link.command({"PING"_ba}));

    QString error;
    QVERIFY2(redis.start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 2, 5000);
    QCOMPARE(down.size(), 1); // once per Up → Down, however many attempts failed meanwhile

    // Subscribed again: a message from another client arrives.
    RedisLink other(urlOf(redis));
    QSignalSpy otherUp(&other, &RedisLink::up);
    other.start();
    QTRY_COMPARE_WITH_TIMEOUT(otherUp.size(), 1, 5000);
    QVERIFY(other.publish("bus"_ba, "again"_ba));
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, 5000);
    QCOMPARE(messages.first().at(1).toByteArray(), "again"_ba);
}

void tst_RedisLink::pausedRedisIsDownWithinThePingTimeout()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    RedisLink link(urlOf(redis), quickLimits());
    QSignalSpy up(&link, &RedisLink::up);
    QSignalSpy down(&link, &RedisLink::down);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);

    // SIGSTOP: TCP stays open, nothing answers. Timeout + one interval, and slack for a busy machine.
    QVERIFY(redis.pause());
    QTRY_COMPARE_WITH_TIMEOUT(down.size(), 1, 3000);
    QCOMPARE(down.first().at(0).toString(), u"no PONG in 300 ms"_s);
    QVERIFY(redis.resume());
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 2, 5000);
    QCOMPARE(call(link, {"PING"_ba})->string, "PONG"_ba);
}

void tst_RedisLink::overPendingBytesRefusesAndGoesDown()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    RedisLink::Limits limits = quickLimits();
    limits.maxPendingBytes = 64 * 1024;
    RedisLink link(urlOf(redis), limits);
    QSignalSpy up(&link, &RedisLink::up);
    QSignalSpy down(&link, &RedisLink::down);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);

    // No reply can arrive within one event-loop pass: 1 KiB commands pile up to the bound.
    const QByteArray value(1024, 'x');
    int accepted = 0;
    int refusedAnswers = 0;
    while (accepted < 1000 && link.command({"SET"_ba, "k"_ba, value}, [&](const RedisValue &) { ++refusedAnswers; }))
        ++accepted;
    QVERIFY2(accepted >= 60 && accepted < 64, qPrintable(QString::number(accepted)));
    QVERIFY(link.pendingBytes() <= limits.maxPendingBytes);
    QVERIFY(!link.command({"PING"_ba})); // still refused until it has reconnected
    QTRY_COMPARE_WITH_TIMEOUT(down.size(), 1, 5000);
    QVERIFY2(down.first().at(0).toString().startsWith(u"redis too slow: "_s), qPrintable(down.first().at(0).toString()));
    QCOMPARE(refusedAnswers, accepted); // every accepted command heard back (a reply, or Nil)
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 2, 5000);
    QCOMPARE(link.pendingBytes(), 0);
}

void tst_RedisLink::subscriptionsChangeWhileUp()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    RedisLink link(urlOf(redis));
    link.setSubscriptions({"a"_ba});
    QSignalSpy up(&link, &RedisLink::up);
    QSignalSpy messages(&link, &RedisLink::message);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);

    link.setSubscriptions({"b"_ba});
    // Redis counts subscribers per channel: wait until the change is in effect there.
    QTRY_COMPARE_WITH_TIMEOUT(redis.cli({u"PUBSUB"_s, u"NUMSUB"_s, u"a"_s, u"b"_s}),
                              std::optional<QByteArray>("a\n0\nb\n1"_ba), 5000);
    QVERIFY(link.publish("a"_ba, "to a"_ba));
    QVERIFY(link.publish("b"_ba, "to b"_ba)); // fence: one publisher, so "a" would come first
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, 5000);
    QCOMPARE(messages.first().at(0).toByteArray(), "b"_ba);
    QCOMPARE(up.size(), 1);
}

void tst_RedisLink::hostNameIsResolved()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    RedisLink link(urlOf(redis, u"localhost"_s)); // redis listens on 127.0.0.1 only
    QSignalSpy up(&link, &RedisLink::up);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);
    QCOMPARE(call(link, {"PING"_ba})->string, "PONG"_ba);
}

void tst_RedisLink::noRedisStaysDownWithTheReason()
{
    quint16 port = 0;
    {
        QTcpServer probe; // a port nothing listens on once the probe is gone
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    RedisUrl url;
    url.port = port;
    RedisLink link(url, quickLimits());
    QSignalSpy up(&link, &RedisLink::up);
    QSignalSpy down(&link, &RedisLink::down);
    link.start();
    QTRY_COMPARE_WITH_TIMEOUT(link.lastError(), u"Connection refused"_s, 5000);
    QVERIFY(link.state() != RedisLink::State::Up);
    QVERIFY(!link.command({"PING"_ba}));
    link.stop();
    QCOMPARE(link.state(), RedisLink::State::Down);
    QCOMPARE(up.size(), 0);
    QCOMPARE(down.size(), 0); // never Up, so never down()
}

void tst_RedisLink::deletingTheLinkInsideAHandlerIsSafe()
{
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    auto *link = new RedisLink(urlOf(redis));
    link->setSubscriptions({"x"_ba});
    QSignalSpy up(link, &RedisLink::up);
    link->start();
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 5000);
    bool called = false;
    bool secondCalled = false;
    QVERIFY(link->command({"PING"_ba}, [&](const RedisValue &) {
        called = true;
        delete link; // from inside hiredis' reply callback
        link = nullptr;
    }));
    QVERIFY(link->command({"PING"_ba}, [&](const RedisValue &) { secondCalled = true; }));
    QTRY_VERIFY_WITH_TIMEOUT(called, 5000);
    QVERIFY(!secondCalled); // a deleted link calls no more handlers
    QVERIFY(!link);
}

QTEST_GUILESS_MAIN(tst_RedisLink)
#include "tst_redislink.moc"
