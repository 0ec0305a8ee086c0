// bench_admin: what an open console costs the server. A real cortado-server; 10 chat clients in one
// room; one of them sends 1,000 messages a second for 5 seconds (10,000 deliveries a second). Runs the
// load twice — without a console, then with one tapping all traffic with payloads — and prints the
// server's CPU time for each (from /proc/PID/stat).
// The clients and the console are cortado::Clients: their figure is the server's CPU time under a
// fixed load, which the clients' own parsing (10,000 small frames a second) does not change.
#include "procstat.h"
#include "serverprocess.h"

#include <cortado/client.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

using namespace Qt::StringLiterals;

// Waits for a request's answer; qFatal when it is not ok.
static void expectOk(cortado::PendingReply *pending, const char *what)
{
    std::optional<cortado::Reply> reply;
    QObject waiting;
    pending->then(&waiting, [&reply](const cortado::Reply &r) { reply = r; });
    if (!QTest::qWaitFor([&] { return reply.has_value(); }, 15000) || !reply->ok())
        qFatal("%s failed: %s", what, reply ? qPrintable(reply->toString()) : "no answer");
}

static std::unique_ptr<cortado::Client> connectClient(const QUrl &url, const QString &token = {})
{
    cortado::ClientOptions options;
    options.reconnect = false;
    auto client = std::make_unique<cortado::Client>(options);
    client->open(url, token);
    if (!QTest::qWaitFor([&] { return client->state() != cortado::Client::Connecting; }, 5000)
        || client->state() != cortado::Client::Connected)
        qFatal("a client could not connect to %s", qPrintable(url.toString()));
    return client;
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
    std::vector<std::unique_ptr<cortado::Client>> clients;
    QUrl chat = url;
    chat.setPath(u"/chat"_s);
    for (int i = 0; i < 10; ++i) {
        auto client = connectClient(chat);
        client->on(u"chat:message"_s, client.get(), [&](const QJsonValue &, const QJsonObject &) { ++delivered; });
        expectOk(client->join(u"bench"_s), "room:join");
        clients.push_back(std::move(client));
    }
    const QJsonObject message{{u"text"_s, u"the quick brown fox"_s}, {u"n"_s, 1}};
    cortado::Client &sender = *clients.front();

    auto run = [&](const char *name, qint64 *tapEvents) {
        delivered = 0;
        const double before = processCpuSeconds(server.process.processId());
        QElapsedTimer clock;
        clock.start();
        int sent = 0;
        while (clock.elapsed() < 5000) { // 10 messages every 10 ms
            for (int i = 0; i < 10; ++i, ++sent)
                sender.send(u"chat:send"_s, message, u"bench"_s);
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
    QUrl admin = url;
    admin.setPath(u"/_admin"_s);
    const std::unique_ptr<cortado::Client> console = connectClient(admin, QString::fromLatin1(token));
    console->on(u"admin:traffic"_s, console.get(), [&](const QJsonValue &, const QJsonObject &) { ++tapEvents; });
    console->on(u"admin:counters"_s, console.get(), [&](const QJsonValue &payload, const QJsonObject &) {
        dropped += payload[u"tapDropped"].toInteger();
    });
    expectOk(console->request(u"admin:tap"_s, QJsonObject{{u"payloads"_s, true}}), "admin:tap");
    run("console tapping all", &tapEvents);
    QTest::qWait(1100);
    std::printf("%-22s tap capped at 500 events/s per console; %lld summarised as dropped\n", "", dropped);

    server.process.terminate();
    server.process.waitForFinished(10000);
    return 0;
}
