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
//
// The sender is a cortado::Client. The other members are bare QWebSockets that count frames by
// their prefix: deliveries per second is wall-clock bound with the clients on the server's cores,
// and a Client parses every frame it receives (a JSON tree per delivery), which would move it.
#include "procstat.h"
#include "serverprocess.h"

#include <cortado/client.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <sys/resource.h>

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
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

// Waits for a request's answer; qFatal when it is not ok.
void expectOk(cortado::PendingReply *pending, const char *what)
{
    std::optional<cortado::Reply> reply;
    QObject waiting;
    pending->then(&waiting, [&reply](const cortado::Reply &r) { reply = r; });
    if (!QTest::qWaitFor([&] { return reply.has_value(); }, 60000) || !reply->ok())
        qFatal("%s failed: %s", what, reply ? qPrintable(reply->toString()) : "no answer");
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
    cortado::ClientOptions options;
    options.reconnect = false;
    options.connectTimeoutMs = 60000; // a thousand handshakes at once
    cortado::Client sender(options); // a room member too
    sender.on(u"chat:message"_s, &sender, [&](const QJsonValue &, const QJsonObject &) { ++received; });
    sender.open(url);
    std::vector<std::unique_ptr<QWebSocket>> members;
    int welcomed = 0;
    int acked = 0;
    for (int i = 1; i < clientCount; ++i) {
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
        members.push_back(std::move(socket));
    }
    const int memberCount = clientCount - 1;
    if (!QTest::qWaitFor([&] { return welcomed == memberCount && sender.state() == cortado::Client::Connected; }, 60000))
        qFatal("only %d of %d clients connected", welcomed + int(sender.state() == cortado::Client::Connected), clientCount);
    // The members' one protocol frame, written once: they only join, then count.
    const QString join = u"{\"event\":\"room:join\",\"room\":\"bench\",\"id\":1}"_s;
    for (auto &member : members)
        member->sendTextMessage(join);
    expectOk(sender.join(u"bench"_s), "the sender's room:join");
    if (!QTest::qWaitFor([&] { return acked == memberCount; }, 60000))
        qFatal("only %d of %d joins acknowledged", acked, memberCount);
    // A probe message reaches everyone before measuring starts.
    expectOk(sender.request(u"chat:send"_s, QJsonValue(0), u"bench"_s), "the probe's chat:send");
    if (!QTest::qWaitFor([&] { return received == clientCount; }, 60000))
        qFatal("room incomplete: %lld of %d", received, clientCount);

    const QJsonObject message{{u"text"_s, u"the quick brown fox jumps over the lazy dog"_s}, {u"n"_s, 42}};
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
            sender.send(u"chat:send"_s, message, u"bench"_s);
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

    members.clear();
    sender.close();
    server.process.terminate();
    server.process.waitForFinished(10000);
    return 0;
}
