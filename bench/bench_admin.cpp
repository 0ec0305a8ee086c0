// bench_admin: what an open console costs the server. A real cortado-server; 10 chat clients in one
// room; one of them sends 1,000 messages a second for 5 seconds (10,000 deliveries a second). Runs the
// load twice — without a console, then with one tapping all traffic with payloads — and prints the
// server's CPU time for each (from /proc/PID/stat).
#include "procstat.h"
#include "serverprocess.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QWebSocket>

#include <unistd.h>


#include <cstdio>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

static QString frame(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

int main(int argc, char *argv[])
{
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QTemporaryDir data;
    const QProcessEnvironment environment = ServerProcess::withoutRateLimits(ServerProcess::environment(data.path()));
    ServerProcess server;
    if (!server.start({u"--port"_s, u"0"_s}, environment))
        qFatal("server did not start");
    const QUrl url = server.ws(u"/"_s);
    const QByteArray token = ServerProcess::token(environment, u"bench"_s, {u"admin"_s});
    if (token.isEmpty())
        qFatal("no token");

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
        const double before = processCpuSeconds(server.process.processId());
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
        const double wall = clock.nsecsElapsed() / 1e9, cpu = processCpuSeconds(server.process.processId()) - before;
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

    server.process.terminate();
    server.process.waitForFinished(10000);
    return 0;
}
