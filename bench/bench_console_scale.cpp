// bench_console_scale: the console against 10,000 or 100,000 real sockets. Starts cortado-server
// nodes (one; or, for more sockets than one process may hold — 20,000 files each — a cluster of
// several on a private redis-server), opens idle sockets into them with cortado-loadgen processes
// (at most --per-loadgen each), connects the console's AdminClient — with --window also its real
// window, offscreen, on the Sockets page — and prints the console's RSS and how long updates hold
// its GUI thread while sockets come and go: the gaps between 4 ms probes and, with --window, each
// frame from polish to swap, each with the CPU time the thread ran in it. The wall time includes
// waiting for a core, which on a shared 2-core box the nodes and load generators cause (they run at
// --nice 10: they stand for other machines); the CPU time is the console's own work. It exits 2 if
// the console itself ran for more than 50 ms in one gap or one frame.
//
// Not a test: CI only compiles it. It needs a machine to itself (100,000 sockets are several GB
// of server memory):
//   bench_console_scale --sockets 10000
//   bench_console_scale --sockets 100000 --nodes 6 --window
#include "adminclient.h"
#include "consolesettings.h"
#include "consoletypes.h"
#include "playground.h"
#include "postgres.h"
#include "procstat.h"
#include "redis.h"
#include "serverprocess.h"
#include "tokenstore.h"

#include <cortado/client.h>

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>

#include <sys/resource.h>
#include <deque>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

// This process's memory from /proc/self/status, in MiB ("VmRSS:" now, "VmHWM:" the peak).
double ownMemoryMiB(const char *field = "VmRSS:")
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(qsizetype(qstrlen(field))).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return -1;
}

// Intervals (ms) and their summary.
struct Intervals
{
    std::vector<double> ms;
    void add(double value) { ms.push_back(value); }
    QString summary(double over = 50) const
    {
        if (ms.empty())
            return u"none"_s;
        std::vector<double> sorted = ms;
        std::sort(sorted.begin(), sorted.end());
        const auto at = [&sorted](double q) { return sorted[std::min(sorted.size() - 1, size_t(q * double(sorted.size())))]; };
        const auto slow = std::count_if(sorted.begin(), sorted.end(), [over](double v) { return v > over; });
        return u"%1 samples, median %2 ms, p99 %3 ms, max %4 ms, %5 over %6 ms"_s.arg(sorted.size())
                .arg(at(0.5), 0, 'f', 1).arg(at(0.99), 0, 'f', 1).arg(sorted.back(), 0, 'f', 1).arg(slow).arg(over);
    }
};

// CPU time this thread has run, in ms: a gap the thread spent running is the console's own work;
// the rest of a gap it waited for a core (on 2 shared cores, the nodes and load generators run too).
double threadCpuMs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1e3 + double(now.tv_nsec) / 1e6;
}

// Lowers a helper process's priority: the nodes and load generators stand for other machines, so
// on a shared 2-core box they yield the CPU when the console needs it.
void yieldToConsole(qint64 pid, int niceness)
{
    if (niceness > 0 && setpriority(PRIO_PROCESS, id_t(pid), niceness) != 0)
        std::perror("setpriority");
}

// Reports why the run stops and gives main() its exit status. Returned from main() rather than
// qFatal(): the nodes, Redis and PostgreSQL this run started are stopped by their destructors.
[[gnu::format(printf, 1, 2)]] int failed(const char *format, ...)
{
    std::va_list args;
    va_start(args, format);
    std::fprintf(stderr, "bench_console_scale: ");
    std::vfprintf(stderr, format, args);
    std::fprintf(stderr, "\n");
    va_end(args);
    return 1;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv); // the window's Qt Charts need QApplication
    QCommandLineParser parser;
    const QCommandLineOption socketsOption(u"sockets"_s, u"Idle sockets to open [10000]."_s, u"n"_s, u"10000"_s);
    const QCommandLineOption nodesOption(u"nodes"_s, u"Server nodes; more than 1 runs a cluster on redis-server [1]."_s,
                                         u"k"_s, u"1"_s);
    const QCommandLineOption perLoadgenOption(u"per-loadgen"_s, u"Sockets per cortado-loadgen process [15000]."_s,
                                              u"n"_s, u"15000"_s);
    const QCommandLineOption secondsOption(u"seconds"_s, u"Seconds of churn measured [10]."_s, u"s"_s, u"10"_s);
    const QCommandLineOption niceOption(u"nice"_s, u"Niceness of the nodes and load generators, which stand for other "
                                                   "machines (0: they compete with the console for the cores) [10]."_s,
                                        u"n"_s, u"10"_s);
    const QCommandLineOption windowOption(u"window"_s, u"Also run the console's window (offscreen) on the Sockets page."_s);
    parser.addHelpOption();
    parser.addOptions({socketsOption, nodesOption, perLoadgenOption, secondsOption, niceOption, windowOption});
    parser.process(app);
    const int sockets = parser.value(socketsOption).toInt(), nodes = std::max(1, parser.value(nodesOption).toInt());
    const int perLoadgen = std::max(1, parser.value(perLoadgenOption).toInt());
    const int seconds = std::max(1, parser.value(secondsOption).toInt());
    const int niceness = std::clamp(parser.value(niceOption).toInt(), 0, 19);
    if (sockets / nodes > 18'000)
        qFatal("%d sockets on %d node(s): more than 18,000 a node (20,000 files a process); use --nodes", sockets, nodes);

    // The servers: one, or a cluster on a private Redis and a private PostgreSQL (a cluster shares
    // one database; it refuses SQLite). The data folder, and so the token secret, is shared.
    QTemporaryDir data;
    QProcessEnvironment environment = ServerProcess::withoutRateLimits(ServerProcess::environment(data.path()));
    RedisInstance redis;
    PostgresInstance postgres;
    if (nodes > 1) {
        QString error;
        if (!RedisInstance::available() || !redis.start(&error))
            qFatal("a cluster needs redis-server: %s", qPrintable(error));
        if (!postgres.start(&error))
            return failed("a cluster needs PostgreSQL: %s", qPrintable(error));
        environment.insert(u"CORTADO_DATABASE_URL"_s, postgres.url());
    }
    std::vector<std::unique_ptr<ServerProcess>> servers;
    QStringList chatUrls;
    for (int n = 1; n <= nodes; ++n) {
        auto server = std::make_unique<ServerProcess>();
        QStringList arguments{u"--port"_s, u"0"_s};
        if (nodes > 1)
            arguments << u"--redis"_s << redis.url() << u"--node-id"_s << u"n%1"_s.arg(n);
        if (!server->start(arguments, environment))
            return failed("node %d did not start", n);
        yieldToConsole(server->process.processId(), niceness);
        chatUrls.append(server->ws(u"/chat"_s).toString());
        servers.push_back(std::move(server));
    }
    const QByteArray token = ServerProcess::token(environment, u"bench"_s, {u"observer"_s});

    std::printf("cortado bench_console_scale: %d idle sockets on %d node(s) at niceness %d, the console %s\n", sockets,
                nodes, niceness, parser.isSet(windowOption) ? "with its window (offscreen)" : "models only");
    std::printf("  console RSS at start                        %8.1f MiB\n", ownMemoryMiB());

    // The console, composed as console/main.cpp composes it.
    registerConsoleTypes();
    AdminClient admin;
    TokenStore store(data.filePath(u"config"_s));
    Playground playground(store.settingsPath());
    ConsoleSettings settings(store, servers.front()->ws(u"/"_s).toString(), QString::fromLatin1(token));
    std::unique_ptr<QQmlApplicationEngine> engine;
    QQuickWindow *window = nullptr;
    if (parser.isSet(windowOption)) {
        engine = std::make_unique<QQmlApplicationEngine>();
        engine->setInitialProperties({{u"admin"_s, QVariant::fromValue(&admin)},
                                      {u"playground"_s, QVariant::fromValue(&playground)},
                                      {u"settings"_s, QVariant::fromValue(&settings)}});
        engine->load(QUrl::fromLocalFile(QStringLiteral(CORTADO_QML_DIR "/Main.qml")));
        window = qobject_cast<QQuickWindow *>(engine->rootObjects().value(0));
        if (!window)
            return failed("the console's window did not load");
        window->setProperty("currentPage", 3); // Sockets
        std::printf("  console RSS with its window                 %8.1f MiB\n", ownMemoryMiB());
    }
    QSignalSpy snapshot(&admin, &AdminClient::snapshotApplied);
    admin.connectTo(servers.front()->ws(u"/"_s).toString(), QString::fromLatin1(token));
    if (!snapshot.wait(15000))
        return failed("no snapshot");
    // Newest first: every socket that connects lands on the page shown, so every page is an update.
    const QVariantMap newestFirst{{u"sort"_s, QVariantMap{{u"key"_s, u"connectedAt"_s}, {u"desc"_s, true}}}, {u"limit"_s, 100}};
    admin.querySockets(newestFirst);

    // The idle sockets, from loadgen processes (each holds its sockets open until killed). One
    // opens its sockets at a time: all at once, on 2 cores shared with the nodes, handshakes wait
    // past the servers' header timeout and are refused (408).
    // In a cluster the console asks for its page (every node's sockets); on one node it comes by itself.
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &admin, [&admin, nodes] {
        if (nodes > 1)
            admin.refreshSockets();
    });
    poll.start(2000);
    const QString loadgenBinary = QCoreApplication::applicationDirPath() + u"/loadgen/cortado-loadgen"_s;
    std::vector<std::unique_ptr<QProcess>> loadgens;
    const auto aLoadgenEnded = [&loadgens] {
        return std::any_of(loadgens.begin(), loadgens.end(),
                           [](const auto &loadgen) { return loadgen->state() == QProcess::NotRunning; });
    };
    QElapsedTimer fill;
    fill.start();
    for (int opened = 0; opened < sockets; opened += perLoadgen) {
        const int count = std::min(perLoadgen, sockets - opened);
        auto loadgen = std::make_unique<QProcess>();
        loadgen->setStandardOutputFile(QProcess::nullDevice());
        loadgen->setProcessChannelMode(QProcess::ForwardedErrorChannel); // why it failed, if it does
        loadgen->start(loadgenBinary, {u"--url"_s, chatUrls.join(u','), u"--scenario"_s, u"idle"_s,
                                       u"--connections"_s, QString::number(count),
                                       u"--room-size"_s, u"100"_s, u"--hold"_s, u"36000"_s});
        if (!loadgen->waitForStarted(5000))
            return failed("%s did not start", qPrintable(loadgenBinary));
        yieldToConsole(loadgen->processId(), niceness);
        loadgens.push_back(std::move(loadgen));
        const bool settled = QTest::qWaitFor([&] { return admin.socketsTotal() >= opened + count || aLoadgenEnded(); }, 600'000);
        if (!settled || admin.socketsTotal() < opened + count)
            return failed("only %d of %d sockets connected (%s)", admin.socketsTotal(), opened + count,
                   aLoadgenEnded() ? "a load generator failed" : "10 minutes passed");
    }
    std::printf("  %d sockets open after                    %8.1f s\n", admin.socketsTotal(), fill.nsecsElapsed() / 1e9);
    std::printf("  console RSS with a page of %d rows          %8.1f MiB (model rows: %d)\n",
                int(admin.sockets()->rowCount()), ownMemoryMiB(), admin.sockets()->rowCount());
    for (size_t n = 0; n < servers.size(); ++n)
        std::printf("  node %zu RSS                                 %8.1f MiB\n", n + 1,
                    servers[n]->memoryBytes() / 1024.0 / 1024.0);

    // Churn: 10 sockets connect and 10 disconnect every second on the console's node, each sending a
    // message: the page shown changes with every refresh (at most 4 a second), and the counters tick.
    // The churning clients stand for other users' machines: they live on their own thread, not on the
    // console's (with 100,000 loopback connections open, each connect() scans the kernel's table of
    // established connections for a free port — milliseconds the console would be charged for).
    QThread churnThread;
    churnThread.start();
    QObject churnContext;
    churnContext.moveToThread(&churnThread);
    std::deque<std::unique_ptr<cortado::Client>> churn; // touched on churnThread only
    std::unique_ptr<QTimer> churner;
    const QUrl churnUrl = servers.front()->ws(u"/chat"_s);
    const auto onChurnThread = [&churnContext](auto work) {
        QMetaObject::invokeMethod(&churnContext, work, Qt::BlockingQueuedConnection);
    };
    onChurnThread([&] {
        churner = std::make_unique<QTimer>();
        QObject::connect(churner.get(), &QTimer::timeout, churner.get(), [&] {
            cortado::ClientOptions once;
            once.reconnect = false;
            auto client = std::make_unique<cortado::Client>(once);
            client->open(churnUrl);
            churn.push_back(std::move(client));
            if (churn.size() > 50)
                churn.pop_front(); // closes it
            for (const auto &open : churn) {
                if (open->state() == cortado::Client::Connected)
                    open->send(u"chat:send"_s, QJsonObject{{u"text"_s, u"churn"_s}}, u"churn"_s);
            }
        });
    });
    // The GUI thread's gaps between 4 ms probes, and how much of each it spent running (its own
    // work: handling updates, bindings, layout, and — offscreen, with the software renderer — drawing).
    Intervals lag, lagWork, frames, frameWork;
    double lagCpu = 0, frameCpu = 0;
    QElapsedTimer lagClock, frameClock;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    QObject::connect(&probe, &QTimer::timeout, &admin, [&] {
        const double cpu = threadCpuMs();
        lag.add(lagClock.nsecsElapsed() / 1e6);
        lagWork.add(cpu - lagCpu);
        lagCpu = cpu;
        lagClock.restart();
        if (window)
            window->requestUpdate(); // a frame wanted at every probe: rendering counts in the gaps
    });
    if (window) {
        // A frame: from the start of its polish (afterAnimating) to its swap, on the GUI thread
        // (offscreen rendering is the software renderer's, on this thread).
        QObject::connect(window, &QQuickWindow::afterAnimating, &admin, [&] {
            frameClock.restart();
            frameCpu = threadCpuMs();
        });
        QObject::connect(window, &QQuickWindow::frameSwapped, &admin, [&] {
            if (!frameClock.isValid())
                return;
            frames.add(frameClock.nsecsElapsed() / 1e6);
            frameWork.add(threadCpuMs() - frameCpu);
            frameClock.invalidate();
        });
    }
    QSignalSpy pages(&admin, &AdminClient::socketsPageChanged);
    onChurnThread([&] { churner->start(100); });
    QTest::qWait(1000); // the churn settles
    pages.clear();
    std::vector<double> cpuBefore;
    for (const auto &server : servers)
        cpuBefore.push_back(processCpuSeconds(server->process.processId()));
    QElapsedTimer wall;
    wall.start();
    lagClock.start();
    lagCpu = threadCpuMs();
    probe.start(4);
    QTest::qWait(seconds * 1000);
    probe.stop();
    onChurnThread([&] {
        churner.reset();
        churn.clear();
    });
    churnThread.quit();
    churnThread.wait();
    for (size_t n = 0; n < servers.size(); ++n)
        std::printf("  node %zu CPU during the churn                %8.1f %% of a core (pages, deltas, counters, the churn itself)\n",
                    n + 1, (processCpuSeconds(servers[n]->process.processId()) - cpuBefore[n]) * 100e9 / double(wall.nsecsElapsed()));
    std::printf("  %d s of churn: %lld page updates applied (%.1f a second)\n", seconds, qint64(pages.size()),
                double(pages.size()) / seconds);
    std::printf("  GUI thread gaps (4 ms probe):    %s\n", qPrintable(lag.summary()));
    std::printf("    of which it was running:       %s\n", qPrintable(lagWork.summary()));
    if (window) {
        std::printf("  frames (polish to swap):         %s\n", qPrintable(frames.summary()));
        std::printf("    of which it was running:       %s\n", qPrintable(frameWork.summary()));
    }
    std::printf("  (the rest of a gap or frame the thread did not run: it waited, for a core — the nodes and\n"
                "   load generators share the machine with the console — or for its next timer)\n");
    std::printf("  console RSS at the end                      %8.1f MiB (peak %.1f MiB)\n", ownMemoryMiB(),
                ownMemoryMiB("VmHWM:"));
    std::fflush(stdout);

    for (const auto &loadgen : loadgens) {
        loadgen->kill();
        loadgen->waitForFinished(5000);
    }
    // Over budget: the console itself ran for more than 50 ms at a stretch, or a frame took it that long.
    const auto overBudget = [](const Intervals &work) {
        return std::count_if(work.ms.begin(), work.ms.end(), [](double v) { return v > 50; });
    };
    return overBudget(lagWork) + overBudget(frameWork) == 0 ? 0 : 2;
}
