// bench_broadcast: one sender → a room of N members on a real cortado-server process.
//
//   bench_broadcast [--clients 1000] [--messages 200]
//
// Starts the server binary on a free port, connects N WebSocket clients to /chat (in this process),
// joins them all to one room, then measures two patterns:
//   sequential — the sender waits for each message's ack and for every delivery before the next
//                (the latency-bound case: one trigger fans out to N sockets);
//   burst      — the sender sends every message at once (back-to-back triggers batch writes).
// Prints deliveries per second and the server's CPU time per delivery (from /proc/PID/stat).
#include "procstat.h"
#include "serverprocess.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <sys/resource.h>

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

void raiseFileLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

QString frame(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace

int main(int argc, char *argv[])
{
    qputenv("QT_NO_GLIB", "1");
    raiseFileLimit();
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption clientsOption(u"clients"_s, u"Room members."_s, u"n"_s, u"1000"_s);
    const QCommandLineOption messagesOption(u"messages"_s, u"Messages per pattern."_s, u"n"_s, u"200"_s);
    parser.addOptions({clientsOption, messagesOption});
    parser.addHelpOption();
    parser.process(app);
    const int clientCount = parser.value(clientsOption).toInt();
    const int messageCount = parser.value(messagesOption).toInt();

    QTemporaryDir data;
    const QProcessEnvironment environment = ServerProcess::withoutRateLimits(ServerProcess::environment(data.path()));
    ServerProcess server;
    if (!server.start({u"--port"_s, u"0"_s}, environment))
        qFatal("server did not start");
    const QUrl url = server.ws(u"/chat"_s);

    qint64 received = 0;
    std::vector<std::unique_ptr<QWebSocket>> clients;
    int welcomed = 0;
    int acked = 0;
    for (int i = 0; i < clientCount; ++i) {
        auto socket = std::make_unique<QWebSocket>();
        QObject::connect(socket.get(), &QWebSocket::textMessageReceived, [&](const QString &text) {
            if (text.startsWith("{\"event\":\"chat:message\""_L1))
                ++received;
            else if (text.startsWith("{\"event\":\"system:welcome\""_L1))
                ++welcomed;
            else if (text.startsWith("{\"event\":\"ack\""_L1))
                ++acked;
        });
        socket->open(url);
        clients.push_back(std::move(socket));
    }
    if (!QTest::qWaitFor([&] { return welcomed == clientCount; }, 60000))
        qFatal("only %d of %d clients connected", welcomed, clientCount);
    const QString join = frame({{u"event"_s, u"room:join"_s}, {u"room"_s, u"bench"_s}, {u"id"_s, 1}});
    for (auto &client : clients)
        client->sendTextMessage(join);
    if (!QTest::qWaitFor([&] { return acked == clientCount; }, 60000))
        qFatal("only %d of %d joins acknowledged", acked, clientCount);
    QWebSocket &sender = *clients.front();
    // A probe message reaches everyone before measuring starts.
    sender.sendTextMessage(frame({{u"event"_s, u"chat:send"_s}, {u"room"_s, u"bench"_s}, {u"payload"_s, 0}}));
    if (!QTest::qWaitFor([&] { return received == clientCount; }, 60000))
        qFatal("room incomplete: %lld of %d", received, clientCount);

    const QString message = frame({{u"event"_s, u"chat:send"_s},
                                   {u"room"_s, u"bench"_s},
                                   {u"payload"_s, QJsonObject{{u"text"_s, u"the quick brown fox jumps over the lazy dog"_s},
                                                              {u"n"_s, 42}}}});
    std::printf("cortado bench_broadcast: 1 sender -> %d room members, %d messages per pattern, "
                "server and clients on the same %ld cores\n",
                clientCount, messageCount, sysconf(_SC_NPROCESSORS_ONLN));
    std::printf("%-11s %12s %10s %16s %14s %18s\n", "pattern", "deliveries", "wall s",
                "deliveries/s", "server CPU s", "server us/delivery");

    auto run = [&](const char *name, bool sequential) {
        received = 0;
        const double cpuBefore = processCpuSeconds(server.process.processId());
        QElapsedTimer timer;
        timer.start();
        const qint64 expected = qint64(messageCount) * clientCount;
        for (int m = 0; m < messageCount; ++m) {
            sender.sendTextMessage(message);
            if (sequential && !QTest::qWaitFor([&] { return received >= qint64(m + 1) * clientCount; }, 60000))
                qFatal("deliveries stalled");
        }
        if (!QTest::qWaitFor([&] { return received >= expected; }, 120000))
            qFatal("deliveries stalled: %lld of %lld", received, expected);
        const double wall = timer.nsecsElapsed() / 1e9;
        const double cpu = processCpuSeconds(server.process.processId()) - cpuBefore;
        std::printf("%-11s %12lld %10.3f %16.0f %14.3f %18.2f\n", name, expected, wall,
                    double(expected) / wall, cpu, cpu * 1e6 / double(expected));
        std::fflush(stdout);
    };
    run("sequential", true);
    run("burst", false);

    clients.clear();
    server.process.terminate();
    server.process.waitForFinished(10000);
    return 0;
}
