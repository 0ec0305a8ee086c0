// Storage that never lies: history bounded on disk and in memory, a deleted or read-only database
// noticed (never written into a ghost file), offsets never reused after a loss, a JWT secret never
// silently regenerated, and a non-zero exit when accepted writes could not be stored.
#include "postgres.h"
#include "sanitizers.h"
#include "serverprocess.h"
#include "testserver.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

namespace {

bool startServer(ServerProcess &server, const QString &dataDir, const QString &databaseUrl = {})
{
    // Rate limits off: storage's own bounds must hold even for a flood the limits would stop.
    QProcessEnvironment environment = ServerProcess::withoutRateLimits(ServerProcess::environment(dataDir));
    environment.insert(u"CORTADO_PORT"_s, u"0"_s);
    if (databaseUrl.isEmpty())
        environment.remove(u"CORTADO_DATABASE_URL"_s);
    else
        environment.insert(u"CORTADO_DATABASE_URL"_s, databaseUrl);
    return server.start({}, environment);
}

QJsonObject get(const QUrl &base, const QString &path)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(base.port()));
    if (!socket.waitForConnected(5000))
        return {};
    return readHttpReply(socket, "GET " + path.toUtf8() + " HTTP/1.1\r\nHost: x\r\n\r\n", 10000).json();
}

// The messages of /chat `room` stored in its history blocks: `visible` those above the prune cut
// (what readers see), `held` all of them (a block straddling the cut keeps a few below it).
struct StoredMessages
{
    qint64 visible = -1, held = -1;
};

StoredMessages storedMessages(const QString &databasePath, const QString &room)
{
    StoredMessages count;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"probe"_s);
        db.setDatabaseName(databasePath);
        if (db.open()) {
            QSqlQuery query(db);
            query.prepare(u"SELECT SUM(b.last_seq - MAX(b.first_seq, r.pruned_seq + 1) + 1), "
                          u"SUM(b.last_seq - b.first_seq + 1) FROM cortado_history_blocks b JOIN cortado_rooms r "
                          u"ON r.route = b.route AND r.room = b.room WHERE b.route = '/chat' AND b.room = ?"_s);
            query.addBindValue(room);
            if (query.exec() && query.next())
                count = {query.value(0).toLongLong(), query.value(1).toLongLong()};
        }
    }
    QSqlDatabase::removeDatabase(u"probe"_s);
    return count;
}

qint64 offsetOf(const Reply &ack)
{
    return ack.payload()[u"offset"].toInteger();
}

QString errorCode(const Reply &ack)
{
    return ack.errorCode();
}

// chattr +i: what stops root from writing (plain permission bits do not).
bool setImmutable(const QStringList &files, bool on)
{
    for (const QString &file : files) {
        if (!QFileInfo::exists(file))
            continue;
        if (QProcess::execute(u"chattr"_s, {on ? u"+i"_s : u"-i"_s, file}) != 0)
            return false;
    }
    return true;
}

QString uniqueRoom(const QString &prefix)
{
    return prefix + u'-' + QString::number(QDateTime::currentMSecsSinceEpoch());
}

} // namespace

class tst_StorageSafety : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void floodStaysWithinThePolicy();
    void deletedDataFolderIsDegradedThenRefusesToStart();
    void readOnlyDatabaseIsDetectedAndRecovers();
    void onlyTheSameDatabaseFileIsUsedAgain();
    void offsetsAreNeverReusedAfterALoss();
    void uncommittedReservationRefusesTheRoom();
    void queueBytesBoundRefuses();
    void jwtSecretIsNeverSilentlyRegenerated_data();
    void jwtSecretIsNeverSilentlyRegenerated();

private:
    PostgresInstance m_postgres;
    QString m_postgresError;
};

void tst_StorageSafety::initTestCase()
{
    if (!m_postgres.start(&m_postgresError))
        qWarning("PostgreSQL unavailable: %s", qPrintable(m_postgresError));
}

void tst_StorageSafety::floodStaysWithinThePolicy()
{
    QTemporaryDir dir;
    ServerProcess server;
    QVERIFY(startServer(server, dir.path()));
    TestClient flooder;
    QVERIFY(flooder.open(server.ws(u"/chat"_s)));
    QVERIFY(flooder.join(u"flood"_s).ok());
    const QString text(8 * 1024, u'x');
    qint64 sent = 0, acknowledged = 0, refused = 0;
    QElapsedTimer elapsed;
    elapsed.start();
    while (elapsed.elapsed() < 6000) {
        // Windows of 100 pipelined sends, so the client reads its acks and echoes as it goes.
        for (int i = 0; i < 100; ++i)
            flooder.sendFrame(QJsonObject{{u"event"_s, u"chat:send"_s}, {u"room"_s, u"flood"_s},
                                          {u"payload"_s, text}, {u"id"_s, ++sent}});
        QVERIFY(QTest::qWaitFor([&] { return acknowledged + refused + flooder.received(u"ack"_s).size() >= sent; }, 20000));
        for (const QJsonObject &ack : flooder.received(u"ack"_s))
            ++(Reply(ack).ok() ? acknowledged : refused);
        flooder.clear();
    }
    QTRY_COMPARE_WITH_TIMEOUT(get(server.url, u"/health"_s).value("storage"_L1).toObject().value("backlog"_L1).toInt(-1), 0, 20000);
    const QString database = dir.filePath(u"cortado.db"_s);
    const StoredMessages stored = storedMessages(database, u"flood"_s);
    const qint64 rssKiB = server.memoryBytes() / 1024;
    const qint64 fileBytes = QFileInfo(database).size() + QFileInfo(database + u"-wal"_s).size();
    qInfo("%lld x 8 KiB sent in 6 s (%lld acknowledged, %lld refused): %lld messages kept (%lld held), RSS %lld MiB, "
          "database + WAL %lld MiB",
          sent, acknowledged, refused, stored.visible, stored.held, rssKiB / 1024, fileBytes / (1024 * 1024));
    QVERIFY(acknowledged > (UnderSanitizer ? 100 : 1000));
    // /chat keeps 200: readers see at most those; the blocks hold at most one block's worth more
    // (64 KiB of frames: 7 of these).
    QVERIFY2(stored.visible >= 1 && stored.visible <= 200, qPrintable(QString::number(stored.visible)));
    QVERIFY2(stored.held >= stored.visible && stored.held < 200 + 8, qPrintable(QString::number(stored.held)));
    if (!UnderSanitizer) // ASan's shadow memory and quarantine are not the server's
        QVERIFY2(rssKiB > 0 && rssKiB < 200 * 1024, qPrintable(u"RSS %1 KiB"_s.arg(rssKiB)));
    QVERIFY2(fileBytes < 64 * 1024 * 1024, qPrintable(u"%1 bytes on disk"_s.arg(fileBytes)));

    // Somebody else is served as usual.
    TestClient other;
    QVERIFY(other.open(server.ws(u"/chat"_s)));
    QVERIFY(other.join(u"flood"_s).ok());
    QCOMPARE(offsetOf(other.request(u"chat:send"_s, u"hello"_s, u"flood"_s)), acknowledged + 1);
}

void tst_StorageSafety::deletedDataFolderIsDegradedThenRefusesToStart()
{
    QTemporaryDir dir;
    const QString data = dir.filePath(u"data"_s);
    ServerProcess server;
    QVERIFY(startServer(server, data));
    TestClient alice;
    QVERIFY(alice.open(server.ws(u"/chat"_s)));
    QVERIFY(alice.join(u"keep"_s).ok());
    for (int i = 1; i <= 3; ++i)
        QCOMPARE(offsetOf(alice.request(u"chat:send"_s, i, u"keep"_s)), i);
    QTRY_COMPARE(get(server.url, u"/health"_s).value("storage"_L1).toObject().value("backlog"_L1).toInt(-1), 0);

    QVERIFY(QDir(data).removeRecursively());
    QJsonObject health;
    QTRY_VERIFY_WITH_TIMEOUT((health = get(server.url, u"/health"_s)).value("status"_L1).toString() == "degraded"_L1, 10000);
    QVERIFY2(health.value("reason"_L1).toString().contains("is gone"_L1), qPrintable(health.value("reason"_L1).toString()));

    // Live traffic goes on (kept in memory, bounded); a room that would need a new offset
    // reservation is refused rather than handed offsets that could repeat.
    QCOMPARE(offsetOf(alice.request(u"chat:send"_s, 4, u"keep"_s)), 4);
    TestClient bob;
    QVERIFY(bob.open(server.ws(u"/chat"_s)));
    QVERIFY(bob.join(u"keep"_s).ok());
    QCOMPARE(offsetOf(bob.request(u"chat:send"_s, 5, u"keep"_s)), 5);
    QVERIFY(alice.join(u"fresh"_s).ok());
    QCOMPARE(errorCode(alice.request(u"chat:send"_s, 1, u"fresh"_s)), u"overloaded"_s);

    // Stopping cannot store them: the exit code says so.
    ::kill(pid_t(server.process.processId()), SIGTERM);
    QVERIFY(server.process.waitForFinished(30000));
    const QByteArray stopLog = server.process.readAllStandardError();
    QCOMPARE(server.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.process.exitCode(), 3);
    QVERIFY2(stopLog.contains("2 accepted writes (messages, documents) could not be stored"), stopLog.constData());

    // And the next start does not quietly begin afresh with a new secret.
    ServerProcess restarted;
    QVERIFY(!startServer(restarted, data));
    QVERIFY(restarted.process.state() == QProcess::NotRunning || restarted.process.waitForFinished(10000));
    QCOMPARE(restarted.process.exitCode(), 2);
    const QByteArray startLog = restarted.process.readAllStandardError();
    QVERIFY2(startLog.contains("no jwt-secret") && startLog.contains("CORTADO_JWT_SECRET"), startLog.constData());
    QVERIFY(!QFileInfo::exists(QDir(data).filePath(u"jwt-secret"_s)));
    QVERIFY(!QFileInfo::exists(QDir(data).filePath(u"cortado.db"_s))); // never re-created behind our back
}

void tst_StorageSafety::readOnlyDatabaseIsDetectedAndRecovers()
{
    // Tests run as root, where chmod does not stop writes; an immutable file does (ext4, tmpfs
    // excepted). Without chattr this cannot be shown, and says so.
    QTemporaryDir dir;
    const QString database = dir.filePath(u"cortado.db"_s);
    // Not the -shm file: SQLite maps it into memory, and a write into an immutable mapping is a
    // SIGBUS (for any reader too), which no server can handle; a read-only mount is refused while
    // files are open for writing, so the case does not arise there.
    const QStringList files{database, database + u"-wal"_s, dir.path()};
    const auto unlock = qScopeGuard([&] { setImmutable(files, false); });
    ExampleServer server(TestServer::withStorage(u"sqlite:"_s + database));
    QVERIFY(server.isListening());
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob);
    const QString room = uniqueRoom(u"ro"_s);
    QVERIFY(alice->join(room).ok());
    QCOMPARE(offsetOf(alice->request(u"chat:send"_s, 1, room)), 1);
    QTRY_COMPARE(server.server().storage()->status().backlog, 0);

    if (!setImmutable(files, true))
        QSKIP("chattr +i is not available here (needs root and a file system that supports it)");
    for (int i = 2; i <= 5; ++i)
        QCOMPARE(offsetOf(alice->request(u"chat:send"_s, i, room)), i);
    QJsonObject health;
    QTRY_VERIFY_WITH_TIMEOUT((health = server.http("GET", u"/health"_s).json()).value("status"_L1).toString() == "degraded"_L1, 10000);
    QVERIFY2(health.value("reason"_L1).toString().contains("not writable"_L1), qPrintable(health.value("reason"_L1).toString()));
    QVERIFY(server.server().storage()->status().backlog > 0);
    QVERIFY(bob->join(room).ok()); // served meanwhile
    QCOMPARE(offsetOf(bob->request(u"chat:send"_s, 6, room)), 6);

    QVERIFY(setImmutable(files, false));
    QTRY_VERIFY_WITH_TIMEOUT(server.server().storage()->status().connected
                                     && server.server().storage()->status().backlog == 0, 20000);
    QCOMPARE(server.http("GET", u"/health"_s).json().value("status"_L1).toString(), u"ok"_s);
    const QJsonArray stored = server.http("GET", u"/api/rooms/%1/history"_s.arg(room)).json().value("messages"_L1).toArray();
    QCOMPARE(stored.size(), 6);
    QCOMPARE(stored.last().toObject().value("offset"_L1).toInt(), 6);
}

void tst_StorageSafety::onlyTheSameDatabaseFileIsUsedAgain()
{
    QTemporaryDir dir;
    const QString database = dir.filePath(u"cortado.db"_s), away = dir.filePath(u"away.db"_s);
    ExampleServer server(TestServer::withStorage(u"sqlite:"_s + database));
    QVERIFY(server.isListening());
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice);
    const QString room = uniqueRoom(u"moved"_s);
    QVERIFY(alice->join(room).ok());
    QCOMPARE(offsetOf(alice->request(u"chat:send"_s, 1, room)), 1);
    QTRY_COMPARE(server.server().storage()->status().backlog, 0);
    auto reason = [&] { return server.http("GET", u"/health"_s).json().value("reason"_L1).toString(); };

    QVERIFY(QFile::rename(database, away));
    QTRY_VERIFY_WITH_TIMEOUT(reason().contains("is gone"_L1), 10000);
    QCOMPARE(offsetOf(alice->request(u"chat:send"_s, 2, room)), 2); // kept in memory
    QVERIFY(!QFileInfo::exists(database)); // not re-created

    // A copy is another file: it may be older than what was written, so it is not used.
    QVERIFY(QFile::copy(away, database));
    QTRY_VERIFY_WITH_TIMEOUT(reason().contains("replaced"_L1), 10000);
    QCOMPARE(server.server().storage()->status().backlog, 1);

    // The very file back: the backlog goes in.
    QVERIFY(QFile::remove(database));
    QVERIFY(QFile::rename(away, database));
    QTRY_VERIFY_WITH_TIMEOUT(server.server().storage()->status().connected
                                     && server.server().storage()->status().backlog == 0, 20000);
    const QJsonArray stored = server.http("GET", u"/api/rooms/%1/history"_s.arg(room)).json().value("messages"_L1).toArray();
    QCOMPARE(stored.size(), 2);
}

void tst_StorageSafety::offsetsAreNeverReusedAfterALoss()
{
    QVERIFY2(m_postgresError.isEmpty(), qPrintable(m_postgresError));
    QTemporaryDir dir;
    const QString room = uniqueRoom(u"gap"_s);
    qint64 highestSeen = 0;
    {
        ServerProcess server;
        QVERIFY(startServer(server, dir.path(), m_postgres.url()));
        TestClient alice;
        QVERIFY(alice.open(server.ws(u"/chat"_s)));
        QVERIFY(alice.join(room).ok());
        for (int i = 1; i <= 5; ++i)
            QCOMPARE(offsetOf(alice.request(u"chat:send"_s, i, room)), i);
        QTRY_COMPARE(get(server.url, u"/health"_s).value("storage"_L1).toObject().value("backlog"_L1).toInt(-1), 0);
        QString error;
        QVERIFY2(m_postgres.stop(&error), qPrintable(error));
        // Acknowledged and seen, never stored: a crash loses them.
        for (int i = 6; i <= 25; ++i)
            highestSeen = std::max(highestSeen, offsetOf(alice.request(u"chat:send"_s, i, room)));
        QCOMPARE(highestSeen, 25);
        server.process.kill();
        QVERIFY(server.process.waitForFinished(5000));
    }
    QString error;
    QVERIFY2(m_postgres.start(&error), qPrintable(error));
    ServerProcess restarted;
    QVERIFY(startServer(restarted, dir.path(), m_postgres.url()));
    TestClient bob;
    QVERIFY(bob.open(restarted.ws(u"/chat"_s)));
    // A "since" inside the loss is not recovered (the messages after 5 are gone) ...
    const Reply join = bob.request(u"room:join"_s, QJsonObject{{u"since"_s, 5}}, room);
    QCOMPARE(join.payload()[u"recovered"].toBool(), false);
    // ... and a new message never carries an offset somebody already saw.
    const qint64 next = offsetOf(bob.request(u"chat:send"_s, u"after"_s, room));
    QVERIFY2(next > highestSeen, qPrintable(u"offset %1 after %2 was seen"_s.arg(next).arg(highestSeen)));
}

void tst_StorageSafety::uncommittedReservationRefusesTheRoom()
{
    QVERIFY2(m_postgresError.isEmpty(), qPrintable(m_postgresError));
    cortado::ServerConfig config = TestServer::withStorage(m_postgres.url());
    config.storage->offsetBlock = 10; // offsets 1..10 reserved with the first message, next block at 6
    ExampleServer server(config);
    QVERIFY(server.isListening());
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob);
    const QString room = uniqueRoom(u"reserve"_s);
    QVERIFY(alice->join(room).ok());
    QVERIFY(bob->join(room).ok());
    QCOMPARE(offsetOf(alice->request(u"chat:send"_s, 1, room)), 1);
    QTRY_COMPARE(server.server().storage()->status().backlog, 0);
    QString error;
    QVERIFY2(m_postgres.stop(&error), qPrintable(error));
    const auto restart = qScopeGuard([&] { m_postgres.start(nullptr); });

    qint64 lastAccepted = 1;
    Reply refused;
    for (int i = 2; i <= 30; ++i) {
        const Reply ack = alice->request(u"chat:send"_s, i, room);
        if (!ack.ok()) {
            refused = ack;
            break;
        }
        lastAccepted = offsetOf(ack);
    }
    QCOMPARE(errorCode(refused), u"overloaded"_s);
    QVERIFY2(lastAccepted >= 10 && lastAccepted < 30, qPrintable(QString::number(lastAccepted)));
    QVERIFY(bob->waitFor(u"chat:message"_s, lastAccepted)); // everything accepted reached the room
    QVERIFY(bob->join(uniqueRoom(u"elsewhere"_s)).ok()); // bob is served

    QVERIFY2(m_postgres.start(&error), qPrintable(error));
    Reply ack; // (not QTRY: it evaluates its expression again after success)
    QVERIFY(QTest::qWaitFor([&] { return (ack = alice->request(u"chat:send"_s, u"back"_s, room)).ok(); }, 20000));
    QCOMPARE(offsetOf(ack), lastAccepted + 1); // refused messages took no offset
}

void tst_StorageSafety::queueBytesBoundRefuses()
{
    QVERIFY2(m_postgresError.isEmpty(), qPrintable(m_postgresError));
    cortado::ServerConfig config = TestServer::withStorage(m_postgres.url());
    config.storage->queueBytes = 256 * 1024;
    ExampleServer server(config);
    QVERIFY(server.isListening());
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob);
    const QString room = uniqueRoom(u"bytes"_s);
    QVERIFY(alice->join(room).ok());
    QCOMPARE(offsetOf(alice->request(u"chat:send"_s, 1, room)), 1);
    QTRY_COMPARE(server.server().storage()->status().backlog, 0);
    QString error;
    QVERIFY2(m_postgres.stop(&error), qPrintable(error));
    const auto restart = qScopeGuard([&] { m_postgres.start(nullptr); });

    const QString text(16000, u'x'); // ~16 KB as queued (frames are queued as the UTF-8 sent)
    int accepted = 0;
    Reply refused;
    for (int i = 0; i < 100; ++i) {
        const Reply ack = alice->request(u"chat:send"_s, text, room);
        if (!ack.ok()) {
            refused = ack;
            break;
        }
        ++accepted;
    }
    QCOMPARE(errorCode(refused), u"overloaded"_s);
    QVERIFY2(accepted >= 8 && accepted <= 16, qPrintable(QString::number(accepted)));
    QVERIFY(server.server().storage()->status().backlogBytes <= 256 * 1024);
    QVERIFY(bob->join(room).ok()); // served meanwhile

    QVERIFY2(m_postgres.start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(server.server().storage()->status().backlog, 0, 20000);
    QCOMPARE(offsetOf(alice->request(u"chat:send"_s, u"back"_s, room)), accepted + 2);
}

void tst_StorageSafety::jwtSecretIsNeverSilentlyRegenerated_data()
{
    QTest::addColumn<QString>("existing"); // a file in the data folder before the start
    QTest::addColumn<int>("exitCode"); // 0: it starts
    QTest::newRow("brand-new folder") << QString() << 0;
    QTest::newRow("database without secret") << u"cortado.db"_s << 2;
    QTest::newRow("marker without secret") << u".cortado-data"_s << 2;
}

void tst_StorageSafety::jwtSecretIsNeverSilentlyRegenerated()
{
    QFETCH(QString, existing);
    QFETCH(int, exitCode);
    QTemporaryDir dir;
    const QString data = dir.filePath(u"data"_s);
    if (!existing.isEmpty()) {
        QVERIFY(QDir().mkpath(data));
        QFile file(QDir(data).filePath(existing));
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    ServerProcess server;
    const bool started = startServer(server, data);
    if (exitCode == 0) {
        QVERIFY(started);
        QVERIFY(QFileInfo::exists(QDir(data).filePath(u"jwt-secret"_s)));
        QVERIFY(QFileInfo::exists(QDir(data).filePath(u".cortado-data"_s)));
        return;
    }
    QVERIFY(!started);
    QVERIFY(server.process.state() == QProcess::NotRunning || server.process.waitForFinished(10000));
    QCOMPARE(server.process.exitCode(), exitCode);
    const QByteArray log = server.process.readAllStandardError();
    QVERIFY2(log.contains("no jwt-secret") && log.contains("delete the folder"), log.constData());
    QVERIFY(!QFileInfo::exists(QDir(data).filePath(u"jwt-secret"_s)));
}

QTEST_GUILESS_MAIN(tst_StorageSafety)
#include "tst_storagesafety.moc"
