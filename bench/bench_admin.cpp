// bench_admin: what an open console costs the server. A real cortado-server; 10 chat clients in one
// room; one of them sends 1,000 messages a second for 5 seconds (10,000 deliveries a second). Runs the
// load twice — without a console, then with one tapping all traffic with payloads — and prints the
// server's CPU time for each (from /proc/PID/stat).
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QWebSocket>

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

static double cpuSeconds(qint64 pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.sliced(line.lastIndexOf(')') + 2).split(' ');
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / double(sysconf(_SC_CLK_TCK));
}

static QString frame(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

int main(int argc, char *argv[])
{
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QTemporaryDir data;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"CORTADO_DATA_DIR"_s, data.path());
    QProcess server;
    server.setProcessEnvironment(environment);
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    server.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); }); // no orphan after a qFatal
    server.start(QStringLiteral(CORTADO_SERVER_BINARY), {u"--port"_s, u"0"_s});
    QByteArray banner;
    if (!QTest::qWaitFor([&] { banner += server.readAllStandardOutput(); return banner.contains('\n'); }, 10000))
        qFatal("server did not start");
    QUrl url(QRegularExpression(u"listening on (\\S+)"_s).match(QString::fromUtf8(banner)).captured(1));
    url.setScheme(u"ws"_s);

    QProcess tokenCommand;
    tokenCommand.setProcessEnvironment(environment);
    tokenCommand.start(QStringLiteral(CORTADO_SERVER_BINARY), {u"token"_s, u"--user"_s, u"bench"_s, u"--role"_s, u"admin"_s});
    if (!tokenCommand.waitForFinished(10000))
        qFatal("no token");
    const QByteArray token = tokenCommand.readAllStandardOutput().trimmed().split('\n').last();

    qint64 delivered = 0;
    std::vector<std::unique_ptr<QWebSocket>> clients;
    QUrl chat = url;
    chat.setPath(u"/chat"_s);
    for (int i = 0; i < 10; ++i) {
        auto socket = std::make_unique<QWebSocket>();
        QObject::connect(socket.get(), &QWebSocket::textMessageReceived, [&](const QString &text) {
            if (text.startsWith("{\"event\":\"chat:message\""_L1))
                ++delivered;
        });
        socket->open(chat);
        if (!QTest::qWaitFor([&] { return socket->state() == QAbstractSocket::ConnectedState; }, 5000))
            qFatal("a client could not connect");
        socket->sendTextMessage(frame({{u"event"_s, u"room:join"_s}, {u"room"_s, u"bench"_s}}));
        clients.push_back(std::move(socket));
    }
    QTest::qWait(300);
    const QString message = frame({{u"event"_s, u"chat:send"_s}, {u"room"_s, u"bench"_s},
                                   {u"payload"_s, QJsonObject{{u"text"_s, u"the quick brown fox"_s}, {u"n"_s, 1}}}});

    auto run = [&](const char *name, qint64 *tapEvents) {
        delivered = 0;
        const double before = cpuSeconds(server.processId());
        QElapsedTimer clock;
        clock.start();
        int sent = 0;
        while (clock.elapsed() < 5000) { // 10 messages every 10 ms
            for (int i = 0; i < 10; ++i, ++sent)
                clients.front()->sendTextMessage(message);
            QTest::qWait(10);
        }
        if (!QTest::qWaitFor([&] { return delivered >= qint64(sent) * 10; }, 10000))
            std::printf("(not every delivery arrived) ");
        const double wall = clock.nsecsElapsed() / 1e9, cpu = cpuSeconds(server.processId()) - before;
        std::printf("%-22s %8d msgs %9lld deliveries %7.2f s  server CPU %6.3f s (%5.1f%% of a core, %5.1f us/msg)",
                    name, sent, delivered, wall, cpu, cpu * 100 / wall, cpu * 1e6 / sent);
        if (tapEvents)
            std::printf("  tap events received %lld", *tapEvents);
        std::printf("\n");
        std::fflush(stdout);
    };

    std::printf("cortado bench_admin: 1 sender at ~1,000 msgs/s into a room of 10 (server and clients share %ld cores)\n",
                sysconf(_SC_NPROCESSORS_ONLN));
    run("no console", nullptr);

    qint64 tapEvents = 0, dropped = 0;
    QWebSocket console;
    QObject::connect(&console, &QWebSocket::textMessageReceived, [&](const QString &text) {
        if (text.startsWith("{\"event\":\"admin:traffic\""_L1))
            ++tapEvents;
        else if (text.startsWith("{\"event\":\"admin:counters\""_L1))
            dropped += QJsonDocument::fromJson(text.toUtf8()).object().value("payload"_L1).toObject().value("tapDropped"_L1).toInteger();
    });
    QUrl admin = url;
    admin.setPath(u"/_admin"_s);
    admin.setQuery(u"token="_s + QString::fromLatin1(token));
    console.open(admin);
    if (!QTest::qWaitFor([&] { return console.state() == QAbstractSocket::ConnectedState; }, 5000))
        qFatal("the console could not connect");
    console.sendTextMessage(frame({{u"event"_s, u"admin:tap"_s}, {u"payload"_s, QJsonObject{{u"payloads"_s, true}}}}));
    QTest::qWait(300);
    run("console tapping all", &tapEvents);
    QTest::qWait(1100);
    std::printf("%-22s tap capped at 500 events/s per console; %lld summarised as dropped\n", "", dropped);

    server.terminate();
    server.waitForFinished(10000);
    return 0;
}
