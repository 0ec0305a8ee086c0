// Persistence in the background: board state across restarts, nothing acknowledged lost on
// SIGTERM mid-load, traffic that keeps flowing while the database is away, history stored in blocks
// (exact round trips, pruning), and databases written by schema 1 (migrated) or a later version.
#include "postgres.h"
#include "serverprocess.h"
#include "testserver.h"

#include "core/hub.h"
#include "storage/historyblocks.h" // BlockMaxMessages: what a straddling block may keep beyond the count
#include "storage/storage.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

namespace {

// The real binary, with its data in `dataDir` and the database at `databaseUrl`.
bool startServer(ServerProcess &server, const QString &dataDir, const QString &databaseUrl)
{
    // These tests load storage on purpose: no rate limits.
    QProcessEnvironment environment = ServerProcess::withoutRateLimits(ServerProcess::environment(dataDir));
    environment.insert(u"CORTADO_DATABASE_URL"_s, databaseUrl);
    environment.insert(u"CORTADO_PORT"_s, u"0"_s);
    return server.start({}, environment);
}

// Every offset stored for a room, read page by page through REST.
QList<qint64> storedOffsets(const TestServer *server, const QUrl &base, const QString &room)
{
    QList<qint64> offsets;
    for (;;) {
        const QString path = u"/api/rooms/%1/history?since=%2&limit=500"_s.arg(room).arg(offsets.isEmpty() ? 0 : offsets.last());
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, server ? server->port() : quint16(base.port()));
        if (!socket.waitForConnected(5000))
            return offsets;
        const HttpReply reply = readHttpReply(socket, "GET " + path.toUtf8() + " HTTP/1.1\r\nHost: x\r\n\r\n", 10000);
        const QJsonArray page = reply.json().value("messages"_L1).toArray();
        if (page.isEmpty())
            return offsets;
        for (const QJsonValue &message : page)
            offsets.append(message.toObject().value("offset"_L1).toInteger());
    }
}

// Runs `statements` on the database at `url` (sqlite:PATH, created when missing, or postgres://);
// false on the first failure. `result`: the first column of the last statement's first row.
bool runSql(const QString &url, const QStringList &statements, QVariant *result = nullptr)
{
    bool ok = true;
    {
        QSqlDatabase db;
        if (url.startsWith("sqlite:"_L1)) {
            db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"fixture"_s);
            db.setDatabaseName(url.mid(7));
        } else {
            const QUrl parsed(url);
            db = QSqlDatabase::addDatabase(u"QPSQL"_s, u"fixture"_s);
            db.setHostName(parsed.host());
            db.setPort(parsed.port());
            db.setUserName(parsed.userName());
            db.setPassword(parsed.password());
            db.setDatabaseName(parsed.path().mid(1));
        }
        ok = db.open();
        if (!ok)
            qWarning("%s: %s", qPrintable(url), qPrintable(db.lastError().text()));
        QSqlQuery query(db);
        for (const QString &statement : statements) {
            if (!ok)
                break;
            ok = query.exec(statement);
            if (!ok)
                qWarning("%s: %s", qPrintable(statement), qPrintable(query.lastError().text()));
        }
        if (ok && result && query.next())
            *result = query.value(0);
    }
    QSqlDatabase::removeDatabase(u"fixture"_s);
    return ok;
}

// A database as Cortado wrote it before the schema version was recorded: /chat's rooms "old"
// with offsets 1..5 and "other" with 1..3 stored, after a clean stop (the reserved marks back at
// the last offsets).
QStringList version1Database()
{
    QStringList sql{
        u"CREATE TABLE cortado_history (route TEXT NOT NULL, room TEXT NOT NULL, seq BIGINT NOT NULL, "
        u"created_at BIGINT NOT NULL, frame TEXT NOT NULL, PRIMARY KEY (route, room, seq))"_s,
        u"CREATE TABLE cortado_rooms (route TEXT NOT NULL, room TEXT NOT NULL, last_seq BIGINT NOT NULL, "
        u"PRIMARY KEY (route, room))"_s,
        u"CREATE TABLE cortado_offsets (route TEXT NOT NULL, room TEXT NOT NULL, reserved_seq BIGINT NOT NULL, "
        u"PRIMARY KEY (route, room))"_s,
        u"CREATE TABLE cortado_documents (collection TEXT NOT NULL, doc_key TEXT NOT NULL, body TEXT NOT NULL, "
        u"updated_at BIGINT NOT NULL, PRIMARY KEY (collection, doc_key))"_s,
        u"INSERT INTO cortado_rooms VALUES ('/chat', 'old', 5)"_s,
        u"INSERT INTO cortado_offsets VALUES ('/chat', 'old', 5)"_s,
        u"INSERT INTO cortado_rooms VALUES ('/chat', 'other', 3)"_s,
        u"INSERT INTO cortado_offsets VALUES ('/chat', 'other', 3)"_s,
    };
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int offset = 1; offset <= 5; ++offset)
        sql.append(u"INSERT INTO cortado_history VALUES ('/chat', 'old', %1, %2, "
                   u"'{\"event\":\"chat:message\",\"room\":\"old\",\"payload\":\"before %1\",\"offset\":%1}')"_s
                           .arg(offset)
                           .arg(now - 1000 + offset));
    for (int offset = 1; offset <= 3; ++offset)
        sql.append(u"INSERT INTO cortado_history VALUES ('/chat', 'other', %1, %2, "
                   u"'{\"event\":\"chat:message\",\"room\":\"other\",\"payload\":\"other %1\",\"offset\":%1}')"_s
                           .arg(offset)
                           .arg(now - 1000 + offset));
    return sql;
}

// A frame as the hub would store it for `offset` of `room`, `text` as its payload (may hold a raw
// newline: only a frame built by hand can, compact JSON never does).
QByteArray frameFor(const QString &room, qint64 offset, const QByteArray &text = "hello")
{
    return "{\"event\":\"chat:message\",\"room\":\"" + room.toUtf8() + "\",\"payload\":\"" + text
            + "\",\"offset\":" + QByteArray::number(offset) + "}";
}

// What a room's history looks like after a restart: a fresh Storage on `config`, attached to a hub
// (no policy: everything restored is kept).
QList<cortado::HistoryEntry> restoredHistory(const cortado::StorageConfig &config, const QString &room)
{
    cortado::Storage storage(config);
    QString error;
    if (!storage.open(&error)) {
        qWarning("%s", qPrintable(error));
        return {};
    }
    cortado::Hub hub;
    storage.attach(hub);
    return hub.history().entries(u"/chat"_s, room);
}

QList<qint64> offsetsOf(const QList<cortado::HistoryEntry> &entries)
{
    QList<qint64> offsets;
    for (const cortado::HistoryEntry &entry : entries)
        offsets.append(entry.offset);
    return offsets;
}

QList<qint64> range(qint64 first, qint64 last)
{
    QList<qint64> all;
    for (qint64 offset = first; offset <= last; ++offset)
        all.append(offset);
    return all;
}

// Messages stored for /chat `room`, counted in the blocks (pruned ones left in a straddling block included).
qint64 storedMessages(const QString &url, const QString &room)
{
    QVariant count;
    if (!runSql(url, {u"SELECT SUM(last_seq - first_seq + 1) FROM cortado_history_blocks WHERE route = '/chat' "
                      u"AND room = '%1'"_s.arg(room)}, &count))
        return -1;
    return count.toLongLong();
}

qint64 storedBlocks(const QString &url, const QString &room)
{
    QVariant count;
    if (!runSql(url, {u"SELECT COUNT(*) FROM cortado_history_blocks WHERE route = '/chat' AND room = '%1'"_s.arg(room)},
                &count))
        return -1;
    return count.toLongLong();
}

} // namespace

class tst_Storage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void boardStateSurvivesRestart_data();
    void boardStateSurvivesRestart();
    void sigtermMidLoadLosesNothingAcknowledged();
    void trafficFlowsWhileTheDatabaseIsAway();
    void blocksComeBackExactly_data();
    void blocksComeBackExactly();
    void pruningKeepsThePolicysCountAndBoundsTheFile_data();
    void pruningKeepsThePolicysCountAndBoundsTheFile();
    void version1DatabaseIsMigrated_data();
    void version1DatabaseIsMigrated();
    void newerSchemaRefusesToStart();

private:
    QString databaseUrl(const QString &kind, const QTemporaryDir &dir);
    // A store on `kind` in `dir` that commits a batch only when flush() asks.
    cortado::StorageConfig flushOnlyConfig(const QString &kind, const QTemporaryDir &dir);
    PostgresInstance m_postgres;
    QString m_postgresError;
};

void tst_Storage::initTestCase()
{
    if (!m_postgres.start(&m_postgresError))
        qWarning("PostgreSQL unavailable: %s", qPrintable(m_postgresError));
}

QString tst_Storage::databaseUrl(const QString &kind, const QTemporaryDir &dir)
{
    return kind == "sqlite"_L1 ? u"sqlite:"_s + dir.filePath(u"cortado.db"_s) : m_postgres.url();
}

cortado::StorageConfig tst_Storage::flushOnlyConfig(const QString &kind, const QTemporaryDir &dir)
{
    cortado::StorageConfig config;
    config.url = databaseUrl(kind, dir);
    config.batchDelayMs = 60'000;
    return config;
}

void tst_Storage::boardStateSurvivesRestart_data()
{
    QTest::addColumn<QString>("database");
    QTest::newRow("sqlite") << u"sqlite"_s;
    QTest::newRow("postgresql") << u"postgresql"_s;
}

void tst_Storage::boardStateSurvivesRestart()
{
    QFETCH(QString, database);
    if (database == "postgresql"_L1)
        QVERIFY2(m_postgresError.isEmpty(), qPrintable(m_postgresError));
    QTemporaryDir dir;
    const cortado::ServerConfig config = TestServer::withStorage(databaseUrl(database, dir));
    const QString room = u"plan-"_s + QString::number(QDateTime::currentMSecsSinceEpoch());
    {
        ExampleServer first(config);
        QVERIFY(first.isListening());
        auto alice = first.client(u"/board"_s, u"alice"_s);
        QVERIFY(alice && alice->join(room).ok());
        QVERIFY(alice->request(u"board:update"_s, QJsonObject{{u"title"_s, u"Q4"_s}, {u"cards"_s, QJsonObject{{u"a"_s, 1}}}}, room).ok());
        QVERIFY(alice->request(u"board:update"_s, QJsonObject{{u"cards"_s, QJsonObject{{u"b"_s, 2}}}}, room).ok());
    }
    ExampleServer second(config);
    QVERIFY(second.isListening());
    auto bob = second.client(u"/board"_s, u"bob"_s);
    QVERIFY(bob && bob->join(room).ok());
    QVERIFY(bob->waitFor(u"board:state"_s));
    const QJsonObject state = bob->received(u"board:state"_s).first().value("payload"_L1).toObject();
    QCOMPARE(state.value("version"_L1).toInt(), 2);
    QCOMPARE(state.value("state"_L1).toObject(),
             (QJsonObject{{u"title"_s, u"Q4"_s}, {u"cards"_s, QJsonObject{{u"a"_s, 1}, {u"b"_s, 2}}}}));
}

void tst_Storage::sigtermMidLoadLosesNothingAcknowledged()
{
    QTemporaryDir dir;
    const QString database = u"sqlite:"_s + dir.filePath(u"cortado.db"_s);
    QList<qint64> acknowledged;
    {
        ServerProcess server;
        QVERIFY(startServer(server, dir.path(), database));
        TestClient sender;
        QVERIFY(sender.open(server.ws(u"/chat"_s)));
        QVERIFY(sender.join(u"load"_s).ok());
        // Pipelined: 3,000 sends without waiting; SIGTERM lands while they are being handled.
        for (int i = 0; i < 3000; ++i)
            sender.sendFrame(QJsonObject{{u"event"_s, u"chat:send"_s}, {u"room"_s, u"load"_s},
                                         {u"payload"_s, i}, {u"id"_s, 1000 + i}});
        QVERIFY(QTest::qWaitFor([&] { return sender.received(u"ack"_s).size() > 300; }, 10000));
        ::kill(pid_t(server.process.processId()), SIGTERM);
        // (The close code itself is tst_shutdown's to check: with thousands of frames still queued,
        // Qt's client can report the TCP close before it has parsed the close frame.)
        QVERIFY(sender.waitForDisconnected(10000));
        QTRY_COMPARE_WITH_TIMEOUT(server.process.state(), QProcess::NotRunning, 15000);
        QCOMPARE(server.process.exitCode(), 0);
        for (const QJsonObject &ack : sender.received(u"ack"_s)) {
            if (Reply(ack).ok() && ack.value("id"_L1).toInt() >= 1000)
                acknowledged.append(ack.value("payload"_L1).toObject().value("offset"_L1).toInteger());
        }
    }
    QVERIFY(acknowledged.size() > 300);
    qInfo("%lld messages acknowledged before SIGTERM", qint64(acknowledged.size()));

    ServerProcess restarted;
    QVERIFY(startServer(restarted, dir.path(), database));
    const QList<qint64> stored = storedOffsets(nullptr, restarted.url, u"load"_s);
    // /chat keeps the newest 200 messages (also on disk): those are there, without a gap, and
    // include every acknowledged one among them.
    QVERIFY(!stored.isEmpty());
    QVERIFY(stored.last() >= *std::max_element(acknowledged.cbegin(), acknowledged.cend()));
    const qint64 oldestKept = std::max<qint64>(1, stored.last() - 199);
    for (qint64 offset : acknowledged) {
        if (offset >= oldestKept)
            QVERIFY2(stored.contains(offset), qPrintable(u"acknowledged offset %1 was lost"_s.arg(offset)));
    }
    QCOMPARE(stored, [&] { QList<qint64> all; for (qint64 i = oldestKept; i <= stored.last(); ++i) all.append(i); return all; }());
}

void tst_Storage::trafficFlowsWhileTheDatabaseIsAway()
{
    QVERIFY2(m_postgresError.isEmpty(), qPrintable(m_postgresError));
    ExampleServer server(TestServer::withStorage(m_postgres.url()));
    QVERIFY(server.isListening());
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob);
    const QString room = u"outage-"_s + QString::number(QDateTime::currentMSecsSinceEpoch());
    QVERIFY(alice->join(room).ok());
    QVERIFY(bob->join(room).ok());
    for (int i = 1; i <= 20; ++i)
        QVERIFY(alice->request(u"chat:send"_s, i, room).ok());
    QTRY_COMPARE(server.server().storage()->status().backlog, 0);

    QString error;
    QVERIFY2(m_postgres.stop(&error), qPrintable(error));
    for (int i = 21; i <= 50; ++i)
        QVERIFY(alice->request(u"chat:send"_s, i, room).ok()); // live traffic goes on
    QVERIFY(bob->waitFor(u"chat:message"_s, 50));
    QTRY_VERIFY_WITH_TIMEOUT(!server.server().storage()->status().connected, 10000);
    const QJsonObject health = server.http("GET", u"/health"_s).json();
    QCOMPARE(health.value("status"_L1).toString(), u"degraded"_s);
    QVERIFY(health.value("storage"_L1).toObject().value("backlog"_L1).toInt() > 0);
    QVERIFY(!health.value("storage"_L1).toObject().value("lastError"_L1).toString().isEmpty());

    QVERIFY2(m_postgres.start(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(server.server().storage()->status().connected
                                     && server.server().storage()->status().backlog == 0, 20000);
    QCOMPARE(server.http("GET", u"/health"_s).json().value("status"_L1).toString(), u"ok"_s);
    const QList<qint64> stored = storedOffsets(&server, {}, room);
    QCOMPARE(stored.size(), 50);
    QCOMPARE(stored.last(), 50);
}

void tst_Storage::blocksComeBackExactly_data()
{
    boardStateSurvivesRestart_data();
}

// Many messages of one room in one batch are stored as blocks, and come back exactly — at start-up
// and through readHistory() from the middle of a block to the middle of another.
void tst_Storage::blocksComeBackExactly()
{
    QFETCH(QString, database);
    if (database == "postgresql"_L1)
        QVERIFY2(m_postgresError.isEmpty(), qPrintable(m_postgresError));
    QTemporaryDir dir;
    const cortado::StorageConfig config = flushOnlyConfig(database, dir); // one batch, committed by flush()
    const QString suffix = QString::number(QDateTime::currentMSecsSinceEpoch());
    const QString a = u"a-"_s + suffix, b = u"b-"_s + suffix;
    QList<cortado::HistoryEntry> sentA, sentB;
    {
        cortado::Storage storage(config);
        QString error;
        QVERIFY2(storage.open(&error), qPrintable(error));
        const qint64 start = QDateTime::currentMSecsSinceEpoch();
        // Room a: 300 messages, one of them a frame with a raw newline; room b, interleaved: 1..5,
        // then a gap, 8..10.
        for (qint64 offset = 1; offset <= 300; ++offset) {
            sentA.append({offset, start + offset, frameFor(a, offset, offset == 150 ? "line one\nline two" : "hello")});
            QVERIFY(storage.appendHistory(u"/chat"_s, a, sentA.last()));
            if (offset <= 10 && (offset <= 5 || offset >= 8)) {
                sentB.append({offset, start + offset, frameFor(b, offset)});
                QVERIFY(storage.appendHistory(u"/chat"_s, b, sentB.last()));
            }
        }
        QVERIFY(storage.flush(10'000));
        // Stored as blocks, not a row per message.
        QCOMPARE(storedMessages(config.url, a), 300);
        QVERIFY2(storedBlocks(config.url, a) <= 5, qPrintable(QString::number(storedBlocks(config.url, a))));
        QCOMPARE(storedMessages(config.url, b), 8);
        QCOMPARE(storedBlocks(config.url, b), 2); // the gap starts a new block

        auto read = [&](const QString &room, qint64 since, int limit) {
            return storage.readHistory(u"/chat"_s, room, since, limit).result();
        };
        const QList<cortado::HistoryEntry> middle = read(a, 140, 20);
        QCOMPARE(offsetsOf(middle), range(141, 160));
        for (const cortado::HistoryEntry &entry : middle)
            QCOMPARE(entry.frame, sentA[entry.offset - 1].frame);
        QCOMPARE(middle[9].frame, frameFor(a, 150, "line one\nline two"));
        QCOMPARE(offsetsOf(read(a, 200, 500)), range(201, 300));
        QCOMPARE(offsetsOf(read(a, 0, 3)), range(1, 3));
        QCOMPARE(offsetsOf(read(a, 300, 10)), QList<qint64>{});
        QCOMPARE(offsetsOf(read(b, 3, 4)), (QList<qint64>{4, 5, 8, 9}));
    }
    for (const auto &[room, sent] : {std::pair(a, sentA), std::pair(b, sentB)}) {
        const QList<cortado::HistoryEntry> restored = restoredHistory(config, room);
        QCOMPARE(offsetsOf(restored), offsetsOf(sent));
        for (qsizetype i = 0; i < restored.size(); ++i) {
            QCOMPARE(restored[i].frame, sent[i].frame);
            // An entry has its block's time: its newest message's, never older than its own.
            QVERIFY(restored[i].createdAtMs >= sent[i].createdAtMs);
            QVERIFY(restored[i].createdAtMs <= sent.last().createdAtMs);
        }
    }
}

void tst_Storage::pruningKeepsThePolicysCountAndBoundsTheFile_data()
{
    boardStateSurvivesRestart_data();
}

// A room that keeps 50: after each batch at least the newest 50 are there, readers see exactly
// those, and what the blocks hold stays bounded however many batches come.
void tst_Storage::pruningKeepsThePolicysCountAndBoundsTheFile()
{
    QFETCH(QString, database);
    if (database == "postgresql"_L1)
        QVERIFY2(m_postgresError.isEmpty(), qPrintable(m_postgresError));
    QTemporaryDir dir;
    const cortado::StorageConfig config = flushOnlyConfig(database, dir); // a batch per round, committed by flush()
    const QString room = u"pruned-"_s + QString::number(QDateTime::currentMSecsSinceEpoch());
    const int keep = 50;
    {
        cortado::Storage storage(config);
        QString error;
        QVERIFY2(storage.open(&error), qPrintable(error));
        qint64 offset = 0;
        for (int round = 1; round <= 20; ++round) {
            for (int i = 0; i < 70; ++i) {
                ++offset;
                QVERIFY(storage.appendHistory(u"/chat"_s, room, {offset, QDateTime::currentMSecsSinceEpoch(),
                                                                  frameFor(room, offset)}, keep));
            }
            QVERIFY(storage.flush(10'000));
            const qint64 stored = storedMessages(config.url, room);
            QVERIFY2(stored >= keep && stored < keep + cortado::storage::BlockMaxMessages,
                     qPrintable(u"round %1: %2 messages stored"_s.arg(round).arg(stored)));
            QCOMPARE(offsetsOf(storage.readHistory(u"/chat"_s, room, 0, 500).result()), range(offset - keep + 1, offset));
        }
    }
    QCOMPARE(offsetsOf(restoredHistory(config, room)), range(1400 - keep + 1, 1400));
}

void tst_Storage::version1DatabaseIsMigrated_data()
{
    boardStateSurvivesRestart_data();
}

// A database of schema 1 (or unversioned, as Cortado wrote it before the version was recorded):
// each row becomes a block of one, the old table goes, and history and offsets go on.
void tst_Storage::version1DatabaseIsMigrated()
{
    QFETCH(QString, database);
    QTemporaryDir dir;
    QString url = u"sqlite:"_s + dir.filePath(u"cortado.db"_s);
    if (database == "postgresql"_L1) {
        QVERIFY2(m_postgresError.isEmpty(), qPrintable(m_postgresError));
        const QString name = u"v1_"_s + QString::number(QDateTime::currentMSecsSinceEpoch());
        QVERIFY(runSql(m_postgres.url(), {u"CREATE DATABASE "_s + name}));
        QUrl parsed(m_postgres.url());
        parsed.setPath(u"/"_s + name);
        url = parsed.toString();
    }
    QVERIFY(runSql(url, version1Database()));
    const cortado::ServerConfig config = TestServer::withStorage(url);
    for (int start = 1; start <= 2; ++start) { // the migration, then a start on the migrated database
        ExampleServer server(config);
        QVERIFY(server.isListening());
        auto bob = server.client(u"/chat"_s);
        QVERIFY(bob);
        const Reply ack = bob->request(u"room:join"_s, QJsonObject{{u"since"_s, 2}}, u"old"_s);
        QCOMPARE(ack.payload()[u"recovered"].toBool(), true);
        QList<QJsonValue> replayed;
        for (const QJsonObject &message : bob->received(u"chat:message"_s))
            replayed.append(message.value("payload"_L1));
        QList<QJsonValue> expected{u"before 3"_s, u"before 4"_s, u"before 5"_s};
        for (int offset = 6; offset < 5 + start; ++offset)
            expected.append(u"after %1"_s.arg(offset));
        QCOMPARE(replayed, expected);
        // Offsets continue where the old database left them.
        const int offset = 5 + start;
        QCOMPARE(bob->request(u"chat:send"_s, u"after %1"_s.arg(offset), u"old"_s).payload()[u"offset"].toInt(), offset);
        QVERIFY(server.server().storage()->flush(5000));
        const QJsonArray stored =
                server.http("GET", u"/api/rooms/old/history"_s).json().value("messages"_L1).toArray();
        QCOMPARE(stored.size(), offset);
        QCOMPARE(stored.first().toObject().value("payload"_L1).toString(), u"before 1"_s);
        QCOMPARE(stored.last().toObject().value("offset"_L1).toInt(), offset);
        // The other room, as it was.
        const QJsonArray other =
                server.http("GET", u"/api/rooms/other/history?since=1"_s).json().value("messages"_L1).toArray();
        QCOMPARE(other.size(), 2 + start - 1);
        QCOMPARE(other[0].toObject().value("payload"_L1).toString(), u"other 2"_s);
        QCOMPARE(other[1].toObject().value("offset"_L1).toInt(), 3);
        QVERIFY(bob->join(u"other"_s).ok());
        QCOMPARE(bob->request(u"chat:send"_s, u"next"_s, u"other"_s).payload()[u"offset"].toInt(), 3 + start);
        QVERIFY(server.server().storage()->flush(5000));
    }
    QVariant value;
    QVERIFY(runSql(url, {u"SELECT MAX(version) FROM cortado_schema"_s}, &value));
    QCOMPARE(value.toInt(), 2);
    QVERIFY(!runSql(url, {u"SELECT COUNT(*) FROM cortado_history"_s})); // gone
    QCOMPARE(storedMessages(url, u"old"_s), 7);
}

void tst_Storage::newerSchemaRefusesToStart()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"cortado.db"_s);
    QVERIFY(runSql(u"sqlite:"_s + path, version1Database() + QStringList{u"CREATE TABLE cortado_schema (version INTEGER NOT NULL)"_s,
                                                           u"INSERT INTO cortado_schema VALUES (999)"_s}));
    ServerProcess server;
    QProcessEnvironment environment = ServerProcess::environment(dir.path());
    environment.insert(u"CORTADO_DATABASE_URL"_s, u"sqlite:"_s + path);
    environment.insert(u"CORTADO_PORT"_s, u"0"_s);
    environment.insert(u"CORTADO_JWT_SECRET"_s, u"a secret for this test only, 32 bytes or more"_s); // the data folder has none
    QVERIFY(!server.start({}, environment));
    QTRY_COMPARE_WITH_TIMEOUT(server.process.state(), QProcess::NotRunning, 10000);
    QVERIFY(server.process.exitCode() != 0);
    const QByteArray log = server.process.readAllStandardError();
    QVERIFY2(log.contains("schema version 999, written by a newer Cortado"), log.constData());
    // Nothing was changed: the old table and its rows are still there.
    QVariant rows;
    QVERIFY(runSql(u"sqlite:"_s + path, {u"SELECT COUNT(*) FROM cortado_history"_s}, &rows));
    QCOMPARE(rows.toInt(), 8);
}

QTEST_GUILESS_MAIN(tst_Storage)
#include "tst_storage.moc"
