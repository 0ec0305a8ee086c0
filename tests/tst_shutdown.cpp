// The real cortado-server binary: configuration, the "listening on" line, clean shutdown.
#include "serverprocess.h"
#include "testclient.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

namespace {

// Every run keeps its data (the development JWT secret) in one temporary folder.
QTemporaryDir dataDir;

QProcessEnvironment serverEnvironment()
{
    return ServerProcess::environment(dataDir.path());
}

using RunningServer = ServerProcess;

} // namespace

class tst_Shutdown : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void signalClosesClientsWithGoingAway_data();
    void signalClosesClientsWithGoingAway();
    void hostAndPortFromEnvironmentAndArguments();
    void developmentSecretIsGeneratedOnceAndPrivate();
    void tokenCommandSignsTokensTheServerAccepts();
    void badConfigurationFailsFast();
};

void tst_Shutdown::signalClosesClientsWithGoingAway_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGTERM") << SIGTERM;
    QTest::newRow("SIGINT") << SIGINT;
}

void tst_Shutdown::signalClosesClientsWithGoingAway()
{
    QFETCH(int, signal);
    RunningServer server;
    QVERIFY(server.start({u"--port"_s, u"0"_s}, serverEnvironment()));
    QCOMPARE(server.url.host(), u"127.0.0.1"_s);

    TestClient chat, board;
    QVERIFY(chat.open(server.ws(u"/chat"_s)));
    QUrl boardUrl = server.ws(u"/board"_s);
    boardUrl.setQuery(u"token="_s + QString::fromLatin1(ServerProcess::token(serverEnvironment(), u"alice"_s)));
    QVERIFY(board.open(boardUrl));
    QVERIFY(chat.join(u"lobby"_s).ok());

    ::kill(pid_t(server.process.processId()), signal);
    QVERIFY(chat.waitForDisconnected());
    QVERIFY(board.waitForDisconnected());
    for (TestClient *client : {&chat, &board}) {
        QCOMPARE(client->closeCode(), 1001); // a close frame, not a reset
        QCOMPARE(client->closeReason(), u"going away"_s);
    }
    QTRY_COMPARE_WITH_TIMEOUT(server.process.state(), QProcess::NotRunning, 5000);
    QCOMPARE(server.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.process.exitCode(), 0);
}

void tst_Shutdown::developmentSecretIsGeneratedOnceAndPrivate()
{
    QTemporaryDir fresh;
    QProcessEnvironment environment = serverEnvironment();
    environment.insert(u"CORTADO_DATA_DIR"_s, fresh.filePath(u"data"_s));
    RunningServer server;
    QVERIFY(server.start({u"--port"_s, u"0"_s}, environment));
    QFile secret(fresh.filePath(u"data/jwt-secret"_s));
    QVERIFY(secret.exists());
    QCOMPARE(secret.permissions() & (QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther),
             QFile::ReadOwner | QFile::WriteOwner);
    QVERIFY(server.process.readAllStandardError().contains("development JWT secret"));
    QVERIFY(secret.open(QIODevice::ReadOnly));
    const QByteArray first = secret.readAll();
    QVERIFY(first.size() >= 32);

    RunningServer again; // the second start keeps the secret, so earlier tokens stay valid
    QVERIFY(again.start({u"--port"_s, u"0"_s}, environment));
    secret.seek(0);
    QCOMPARE(secret.readAll(), first);
}

void tst_Shutdown::tokenCommandSignsTokensTheServerAccepts()
{
    RunningServer server;
    QVERIFY(server.start({u"--port"_s, u"0"_s}, serverEnvironment()));
    const QByteArray token = ServerProcess::token(serverEnvironment(), u"alice"_s, {u"moderator"_s});
    QCOMPARE(token.count('.'), 2);

    QUrl url = server.ws(u"/board"_s);
    url.setQuery(u"token="_s + QString::fromLatin1(token));
    TestClient alice;
    QVERIFY(alice.open(url));
    QVERIFY(alice.join(u"b"_s).ok());
    QCOMPARE(alice.request(u"board:clear"_s, {}, u"b"_s).ok(), true); // the role came through

    TestClient guest; // and without a token, /board refuses
    QVERIFY(!guest.open(server.ws(u"/board"_s)));

    QProcess missingUser;
    missingUser.start(ServerProcess::binary(), {u"token"_s});
    QVERIFY(missingUser.waitForFinished(5000));
    QCOMPARE(missingUser.exitCode(), 2);
}

void tst_Shutdown::hostAndPortFromEnvironmentAndArguments()
{
    QProcessEnvironment environment = serverEnvironment();
    environment.insert(u"CORTADO_HOST"_s, u"127.0.0.2"_s);
    environment.insert(u"CORTADO_PORT"_s, u"0"_s);
    {
        RunningServer server;
        QVERIFY(server.start({}, environment));
        QCOMPARE(server.url.host(), u"127.0.0.2"_s);
    }
    {
        RunningServer server; // arguments win over the environment
        QVERIFY(server.start({u"--host"_s, u"127.0.0.3"_s}, environment));
        QCOMPARE(server.url.host(), u"127.0.0.3"_s);
        QVERIFY(server.url.port() > 0);
    }
}

void tst_Shutdown::badConfigurationFailsFast()
{
    for (const QStringList &arguments : {QStringList{u"--port"_s, u"70000"_s},
                                         QStringList{u"--host"_s, u"not-an-address"_s},
                                         QStringList{u"--max-message-size"_s, u"0"_s}}) {
        QProcess process;
        process.start(ServerProcess::binary(), arguments);
        QVERIFY(process.waitForFinished(5000));
        QCOMPARE(process.exitCode(), 2);
        const QByteArray message = process.readAllStandardError();
        QVERIFY2(message.startsWith("cortado-server: " + arguments.first().toUtf8()), message.constData());
    }
}

QTEST_GUILESS_MAIN(tst_Shutdown)
#include "tst_shutdown.moc"
