// Room history: offsets, recovery with "since", the window, REST, and survival across a restart on
// SQLite and on a real PostgreSQL server.
#include "exampleapp.h"
#include "postgres.h"
#include "testserver.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// The example app plus /log, whose rooms keep only their last 5 messages.
void withSmallWindow(cortado::Server &server)
{
    setupExampleApp(server, TestServer::tokenConfig());
    server.router().addWebSocketRoute(u"log.ws.cpp"_s, [](cortado::WsRoute &route) {
        route.keepHistory(u"*"_s, cortado::HistoryPolicy{5, 3600});
        route.on(u"log:write"_s, [](cortado::EventContext &ctx) {
            // As the server (no "from"): guests' history-room cap does not apply.
            const cortado::Delivery delivery =
                    ctx.realtime().emit(ctx.toRoom(*ctx.room()), u"log:line"_s, ctx.payload());
            return cortado::Ack::ok(QJsonObject{{u"offset"_s, *delivery.offset}});
        });
    });
}

QList<qint64> offsets(const QList<QJsonObject> &messages)
{
    QList<qint64> result;
    for (const QJsonObject &message : messages)
        result.append(message.value("offset"_L1).toInteger());
    return result;
}

QList<qint64> range(qint64 first, qint64 last)
{
    QList<qint64> result;
    for (qint64 i = first; i <= last; ++i)
        result.append(i);
    return result;
}

cortado::StorageConfig storageAt(const QString &url)
{
    cortado::StorageConfig config;
    config.url = url;
    return config;
}

Reply joinSince(TestClient &client, const QString &room, qint64 since)
{
    return client.request(u"room:join"_s, QJsonObject{{u"since"_s, since}}, room);
}

} // namespace

class tst_History : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void messagesCarryIncreasingOffsets();
    void replaySinceHasNoGapAndNoDuplicate();
    void beyondTheWindowIsNotRecovered();
    void badSinceIsRefused();
    void restHistory();
    void survivesRestart_data();
    void survivesRestart();
    void byteCapDropsTheOldestFrames();
    void oneHistoryRoomTooManyIsRefused();
    void restartAfterALossDoesNotClaimRecovery();

private:
    PostgresInstance m_postgres;
    QString m_postgresError;
};

void tst_History::initTestCase()
{
    if (!m_postgres.start(&m_postgresError))
        qWarning("PostgreSQL unavailable: %s", qPrintable(m_postgresError));
}

void tst_History::messagesCarryIncreasingOffsets()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice);
    QCOMPARE(alice->join(u"r"_s).payload()[u"offset"].toInt(), 0);
    for (int i = 1; i <= 3; ++i)
        QCOMPARE(alice->request(u"chat:send"_s, i, u"r"_s).payload()[u"offset"].toInt(), i);
    QVERIFY(alice->waitFor(u"chat:message"_s, 3));
    QCOMPARE(offsets(alice->received(u"chat:message"_s)), range(1, 3));
    // Offsets are per room.
    QVERIFY(alice->join(u"other"_s).ok());
    QCOMPARE(alice->request(u"chat:send"_s, 1, u"other"_s).payload()[u"offset"].toInt(), 1);
}

void tst_History::replaySinceHasNoGapAndNoDuplicate()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob);
    QVERIFY(alice->join(u"r"_s).ok());
    for (int i = 1; i <= 10; ++i)
        alice->send(u"chat:send"_s, i, u"r"_s);
    QVERIFY(alice->waitFor(u"chat:message"_s, 10));

    // Bob saw up to 4 before he dropped; he rejoins and asks for the rest.
    const Reply ack = joinSince(*bob, u"r"_s, 4);
    QCOMPARE(ack.payload()[u"recovered"].toBool(), true);
    QCOMPARE(ack.payload()[u"offset"].toInt(), 10);
    QCOMPARE(offsets(bob->received(u"chat:message"_s)), range(5, 10)); // replayed before the ack, in order
    QCOMPARE(bob->received(u"chat:message"_s).first().value("payload"_L1).toInt(), 5);

    alice->send(u"chat:send"_s, 11, u"r"_s);
    QVERIFY(bob->waitFor(u"chat:message"_s, 7));
    QVERIFY(bob->fence()); // a duplicate would have been sent with the live message, before the fence's ack
    QCOMPARE(offsets(bob->received(u"chat:message"_s)), range(5, 11)); // then live, exactly once
}

void tst_History::beyondTheWindowIsNotRecovered()
{
    TestServer server(withSmallWindow);
    auto writer = server.client(u"/log"_s);
    QVERIFY(writer && writer->join(u"l"_s).ok());
    for (int i = 1; i <= 10; ++i)
        QCOMPARE(writer->request(u"log:write"_s, i, u"l"_s).ok(), true);

    struct Case { qint64 since; bool recovered; QList<qint64> replayed; };
    for (const Case &c : {Case{2, false, {}}, Case{4, false, {}}, Case{5, true, range(6, 10)},
                          Case{9, true, {10}}, Case{10, true, {}}, Case{11, false, {}}}) {
        auto reader = server.client(u"/log"_s);
        QVERIFY(reader);
        const Reply ack = joinSince(*reader, u"l"_s, c.since);
        QCOMPARE(ack.payload()[u"recovered"].toBool(), c.recovered);
        QCOMPARE(ack.payload()[u"offset"].toInt(), 10);
        QCOMPARE(offsets(reader->received(u"log:line"_s)), c.replayed);
    }
}

void tst_History::badSinceIsRefused()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice);
    for (const QJsonValue &since : {QJsonValue(-1), QJsonValue(1.5), QJsonValue(u"3"_s)}) {
        const Reply ack = alice->request(u"room:join"_s, QJsonObject{{u"since"_s, since}}, u"r"_s);
        QCOMPARE(ack.errorCode(), u"bad_payload"_s);
    }
    QVERIFY(!server.hub().room(u"/chat"_s, u"r"_s)); // refused joins changed nothing
}

void tst_History::restHistory()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice && alice->join(u"r"_s).ok());
    for (int i = 1; i <= 6; ++i)
        alice->send(u"chat:send"_s, QJsonObject{{u"n"_s, i}}, u"r"_s);
    QVERIFY(alice->waitFor(u"chat:message"_s, 6));
    const HttpReply reply = server.http("GET", u"/api/rooms/r/history?since=3&limit=2"_s);
    QCOMPARE(reply.status, 200);
    const QJsonArray messages = reply.json().value("messages"_L1).toArray();
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0).toObject().value("offset"_L1).toInt(), 4);
    QCOMPARE(messages.at(1).toObject().value("payload"_L1).toObject().value("n"_L1).toInt(), 5);
    QCOMPARE(server.http("GET", u"/api/rooms/r/history?limit=0"_s).status, 400);
    // Boards keep none (asked with a token: /board rooms need one, before anything else is said).
    QCOMPARE(server.http("GET", u"/api/rooms/r/history?route=/board"_s, {},
                         {{"Authorization", "Bearer " + TestServer::token(u"dave"_s)}}).status, 404);
    QCOMPARE(server.http("GET", u"/api/rooms/r/history?route=/board"_s).status, 401);
}

void tst_History::survivesRestart_data()
{
    QTest::addColumn<QString>("database");
    QTest::newRow("sqlite") << u"sqlite"_s;
    QTest::newRow("postgresql") << u"postgresql"_s;
}

void tst_History::survivesRestart()
{
    QFETCH(QString, database);
    QTemporaryDir dir;
    cortado::ServerConfig config;
    if (database == "sqlite"_L1) {
        config.storage = storageAt(u"sqlite:"_s + dir.filePath(u"cortado.db"_s));
    } else {
        QVERIFY2(m_postgresError.isEmpty(), qPrintable(m_postgresError));
        config.storage = storageAt(m_postgres.url());
    }
    const QString room = u"restart-"_s + QString::number(QDateTime::currentMSecsSinceEpoch());
    {
        ExampleServer first(config);
        QVERIFY(first.isListening());
        auto alice = first.client(u"/chat"_s);
        QVERIFY(alice && alice->join(room).ok());
        for (int i = 1; i <= 8; ++i)
            QVERIFY(alice->request(u"chat:send"_s, i, room).ok());
    } // destroyed: the writer flushes its queue
    ExampleServer second(config);
    QVERIFY(second.isListening());
    auto bob = second.client(u"/chat"_s);
    QVERIFY(bob);
    const Reply ack = joinSince(*bob, room, 3);
    QCOMPARE(ack.payload()[u"recovered"].toBool(), true);
    QCOMPARE(offsets(bob->received(u"chat:message"_s)), range(4, 8));
    QCOMPARE(bob->request(u"chat:send"_s, 9, room).payload()[u"offset"].toInt(), 9);

    // REST reads the same from the database.
    QTRY_COMPARE(second.server().storage()->status().backlog, 0);
    const QJsonArray stored = second.http("GET", u"/api/rooms/%1/history"_s.arg(room)).json().value("messages"_L1).toArray();
    QCOMPARE(stored.size(), 9);
    QCOMPARE(stored.last().toObject().value("payload"_L1).toInt(), 9);
}

void tst_History::byteCapDropsTheOldestFrames()
{
    cortado::History history;
    history.setPolicyLookup([](const QString &, const QString &) {
        return std::optional<cortado::HistoryPolicy>(cortado::HistoryPolicy{1000, 3600, 10'000});
    });
    const QByteArray frame(2000, 'x'); // 2,000 bytes
    for (int i = 0; i < 100; ++i) {
        const qint64 offset = *history.nextOffset(u"/r"_s, u"a"_s);
        history.append(u"/r"_s, u"a"_s, cortado::HistoryEntry{offset, QDateTime::currentMSecsSinceEpoch(), frame});
    }
    const QList<cortado::HistoryEntry> kept = history.entries(u"/r"_s, u"a"_s);
    QCOMPARE(kept.size(), 5); // 10,000 bytes / 2,000
    QCOMPARE(kept.first().offset, 96);
    QCOMPARE(kept.last().offset, 100);
    QVERIFY(!history.since(u"/r"_s, u"a"_s, 90).recovered); // the dropped ones are a gap
    QCOMPARE(history.since(u"/r"_s, u"a"_s, 95).entries.size(), 5);
}

void tst_History::oneHistoryRoomTooManyIsRefused()
{
    cortado::ServerConfig config;
    config.maxHistoryRooms = 2;
    ExampleServer server(config);
    QVERIFY(server.isListening());
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob);
    for (const QString &room : {u"one"_s, u"two"_s, u"three"_s})
        QVERIFY(alice->join(room).ok());
    QVERIFY(alice->request(u"chat:send"_s, 1, u"one"_s).ok());
    QVERIFY(alice->request(u"chat:send"_s, 1, u"two"_s).ok());
    const Reply refused = alice->request(u"chat:send"_s, 1, u"three"_s);
    QCOMPARE(refused.ok(), false);
    QCOMPARE(refused.errorCode(), u"overloaded"_s);
    QCOMPARE(server.hub().history().roomCount(), 2);
    // The rooms that keep history go on, for everyone.
    QCOMPARE(alice->request(u"chat:send"_s, 2, u"one"_s).payload()[u"offset"].toInt(), 2);
    QVERIFY(bob->join(u"two"_s).ok());
    QCOMPARE(bob->request(u"chat:send"_s, 2, u"two"_s).payload()[u"offset"].toInt(), 2);
    // one:1, two:1, one:2, two:2; a message into "three" would have come before them (one socket, in order).
    QVERIFY(alice->waitFor(u"chat:message"_s, 4));
    for (const QJsonObject &message : alice->received(u"chat:message"_s))
        QVERIFY(message.value("room"_L1).toString() != "three"_L1);
}

void tst_History::restartAfterALossDoesNotClaimRecovery()
{
    // Stored 1..5, but offsets up to 1000 were reserved (a crash lost 6..N): since 3 must not replay
    // 4, 5 and then jump, as if nothing was between.
    cortado::History history;
    history.setPolicyLookup([](const QString &, const QString &) {
        return std::optional<cortado::HistoryPolicy>(cortado::HistoryPolicy{});
    });
    QList<cortado::HistoryEntry> stored;
    for (qint64 offset = 1; offset <= 5; ++offset)
        stored.append(cortado::HistoryEntry{offset, QDateTime::currentMSecsSinceEpoch(), "{}"_ba});
    history.restore(u"/r"_s, u"a"_s, stored, 1000);
    QVERIFY(!history.since(u"/r"_s, u"a"_s, 3).recovered);
    QVERIFY(!history.since(u"/r"_s, u"a"_s, 5).recovered);
    QVERIFY(history.since(u"/r"_s, u"a"_s, 1000).recovered);
    QCOMPARE(*history.nextOffset(u"/r"_s, u"a"_s), 1001);
}

QTEST_GUILESS_MAIN(tst_History)
#include "tst_history.moc"
