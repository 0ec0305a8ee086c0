// bench_storage: what room history costs per message — on the event loop and on the writer thread —
// how fast the background writer persists it, and how long the event loop ever stalls meanwhile.
//
//   bench_storage [--messages 100000] [--rooms 1] [--per-turn 1000] [--database sqlite:/tmp/x.db | postgres://user@host:port/db]
//                 [--batch-size N] [--batch-delay MS] [--keep N]   (StorageConfig and HistoryPolicy; defaults: theirs, keep 1000)
//
// Three passes, each a fresh hub, the same burst of messages through Hub::send() into a room without
// members (so no socket work is counted), 1,000 per event-loop turn (--per-turn):
//   plain   — the room keeps no history: encoding the frame (paid by every message anyway);
//   memory  — history in memory only (offsets, the ring, trimming);
//   stored  — history plus the storage writer (the queue, the writer thread, SQLite/PostgreSQL).
// CPU is per thread: the event loop's is CLOCK_THREAD_CPUTIME_ID around the sends, the writer's
// comes from /proc/self/task/<tid>/schedstat between the first send and the last commit.
// "cost of history" is stored − plain, both threads together: what the target (≤ 2 µs) is about.
//
// --per-turn 1 sends one message per event-loop turn: the writer then wakes for small batches, as
// in a server answering one request at a time (the "~19 µs per message" case).
//
// With --rooms N the messages go round-robin into N rooms: each new room's first message waits for
// its first offset reservation to be committed (the price of offsets that never repeat).
#include "core/hub.h"
#include "storage/storage.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <ctime>

using namespace Qt::StringLiterals;

namespace {

qint64 threadCpuNs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// CPU nanoseconds the threads of this process whose name starts with `prefix` have run (schedstat's
// first field is the time on a CPU, in ns).
qint64 namedThreadsCpuNs(const QByteArray &prefix)
{
    qint64 total = 0;
    const QStringList tids = QDir(u"/proc/self/task"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &tid : tids) {
        QFile comm(u"/proc/self/task/%1/comm"_s.arg(tid));
        if (!comm.open(QIODevice::ReadOnly) || !comm.readAll().startsWith(prefix))
            continue;
        QFile stat(u"/proc/self/task/%1/schedstat"_s.arg(tid));
        if (stat.open(QIODevice::ReadOnly))
            total += stat.readAll().split(' ').value(0).toLongLong();
    }
    return total;
}

enum class Mode { Plain, Memory, Stored };

struct Result
{
    qint64 queuedMs = 0, persistedMs = 0;
    qint64 mainNs = 0, writerNs = 0;
    qint64 refused = 0, written = 0;
    qint64 longestStallUs = 0;
    QString driver;
};

struct Tuning
{
    int batchSize = cortado::StorageConfig().batchSize;
    int batchDelayMs = cortado::StorageConfig().batchDelayMs;
    int keep = 1000;
};

Result run(Mode mode, int messageCount, int perTurn, const QStringList &rooms, const QString &url, const Tuning &tuning)
{
    QCoreApplication &app = *QCoreApplication::instance();
    Result result;
    std::unique_ptr<cortado::Storage> storage;
    cortado::Hub hub;
    if (mode != Mode::Plain) {
        hub.history().setPolicyLookup([keep = tuning.keep](const QString &, const QString &) {
            return std::optional<cortado::HistoryPolicy>(cortado::HistoryPolicy{keep, 3600});
        });
    }
    if (mode == Mode::Stored) {
        cortado::StorageConfig config;
        config.url = url;
        config.queueLimit = messageCount + 1;
        config.batchSize = tuning.batchSize;
        config.batchDelayMs = tuning.batchDelayMs;
        storage = std::make_unique<cortado::Storage>(config);
        QString error;
        if (!storage->open(&error))
            qFatal("%s", qPrintable(error));
        storage->attach(hub);
        result.driver = storage->status().driver;
    }

    // The stall meter: a 1 ms timer on the event loop; a late tick means the loop was busy.
    QElapsedTimer clock;
    clock.start();
    qint64 lastTick = 0;
    QTimer meter;
    meter.setTimerType(Qt::PreciseTimer);
    QObject::connect(&meter, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed() / 1000;
        if (lastTick)
            result.longestStallUs = std::max(result.longestStallUs, now - lastTick);
        lastTick = now;
    });
    meter.start(1);

    const QJsonObject payload{{u"text"_s, u"the quick brown fox jumps over the lazy dog"_s}, {u"n"_s, 42}};
    const int roomCount = int(rooms.size());
    int sent = 0;
    QElapsedTimer burst;
    qint64 writerBefore = 0;
    QTimer producer;
    QObject::connect(&producer, &QTimer::timeout, [&] {
        const qint64 before = threadCpuNs();
        for (int i = 0; i < perTurn && sent < messageCount; ++i, ++sent) {
            const QString &room = rooms.at(sent % roomCount);
            if (hub.send(cortado::Target::room(u"/chat"_s, room),
                         cortado::Message{u"chat:message"_s, payload, room, u"sender"_s}).refused)
                ++result.refused;
        }
        result.mainNs += threadCpuNs() - before;
        if (sent == messageCount) {
            producer.stop();
            result.queuedMs = burst.elapsed();
        }
    });
    QTimer::singleShot(50, [&] {
        writerBefore = namedThreadsCpuNs("cortado-storage");
        burst.start();
        producer.start(0);
    });
    QTimer done;
    QObject::connect(&done, &QTimer::timeout, [&] {
        if (sent == messageCount && (!storage || storage->status().backlog == 0))
            app.quit();
    });
    done.start(1);
    app.exec();
    result.persistedMs = burst.elapsed();
    result.writerNs = namedThreadsCpuNs("cortado-storage") - writerBefore;
    if (storage)
        result.written = storage->status().written;
    return result;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption messagesOption(u"messages"_s, u"Messages in the burst."_s, u"n"_s, u"100000"_s);
    const QCommandLineOption databaseOption(u"database"_s, u"Database URL (default: SQLite in a temp folder)."_s, u"url"_s);
    const QCommandLineOption roomsOption(u"rooms"_s, u"Rooms the messages go to, round-robin."_s, u"n"_s, u"1"_s);
    const QCommandLineOption perTurnOption(u"per-turn"_s, u"Messages per event-loop turn (1: one at a time, as a "
                                                        u"server answering single requests)."_s, u"n"_s, u"1000"_s);
    const QCommandLineOption batchSizeOption(u"batch-size"_s, u"StorageConfig::batchSize."_s, u"n"_s,
                                             QString::number(cortado::StorageConfig().batchSize));
    const QCommandLineOption batchDelayOption(u"batch-delay"_s, u"StorageConfig::batchDelayMs."_s, u"ms"_s,
                                              QString::number(cortado::StorageConfig().batchDelayMs));
    const QCommandLineOption keepOption(u"keep"_s, u"HistoryPolicy::maxMessages of the rooms."_s, u"n"_s, u"1000"_s);
    parser.addOptions({messagesOption, databaseOption, roomsOption, perTurnOption, batchSizeOption, batchDelayOption,
                       keepOption});
    parser.addHelpOption();
    parser.process(app);
    const int messageCount = parser.value(messagesOption).toInt();
    const int roomCount = std::max(1, parser.value(roomsOption).toInt());
    const int perTurn = std::max(1, parser.value(perTurnOption).toInt());
    Tuning tuning;
    tuning.batchSize = std::max(1, parser.value(batchSizeOption).toInt());
    tuning.batchDelayMs = std::max(0, parser.value(batchDelayOption).toInt());
    tuning.keep = std::max(1, parser.value(keepOption).toInt());
    QStringList rooms;
    for (int i = 0; i < roomCount; ++i)
        rooms.append(roomCount == 1 ? u"bench"_s : u"bench-%1"_s.arg(i));
    QTemporaryDir dir;
    const QString url = parser.isSet(databaseOption) ? parser.value(databaseOption) : u"sqlite:"_s + dir.filePath(u"bench.db"_s);

    const Result plain = run(Mode::Plain, messageCount, perTurn, rooms, url, tuning);
    const Result memory = run(Mode::Memory, messageCount, perTurn, rooms, url, tuning);
    const Result stored = run(Mode::Stored, messageCount, perTurn, rooms, url, tuning);
    const double n = messageCount;
    auto us = [n](qint64 ns) { return double(ns) / 1000.0 / n; };

    std::printf("cortado bench_storage: %d messages into %d history room(s), %d per loop turn, %s\n", messageCount,
                roomCount, perTurn, qPrintable(stored.driver));
    std::printf("  CPU µs per message               event loop   writer    total\n");
    std::printf("    plain (encode only)            %8.2f   %8s %8.2f\n", us(plain.mainNs), "-", us(plain.mainNs));
    std::printf("    history in memory              %8.2f   %8s %8.2f\n", us(memory.mainNs), "-", us(memory.mainNs));
    std::printf("    history stored                 %8.2f   %8.2f %8.2f\n", us(stored.mainNs), us(stored.writerNs),
                us(stored.mainNs + stored.writerNs));
    std::printf("    cost of history (stored-plain) %8.2f   %8.2f %8.2f\n", us(stored.mainNs - plain.mainNs),
                us(stored.writerNs), us(stored.mainNs + stored.writerNs - plain.mainNs));
    std::printf("  queued on the event loop in      %8lld ms  (%.0f msgs/s; %lld refused)\n", stored.queuedMs,
                n * 1000.0 / std::max<qint64>(stored.queuedMs, 1), stored.refused);
    std::printf("  persisted by the writer after    %8lld ms  (%.0f msgs/s committed)\n", stored.persistedMs,
                double(stored.written) * 1000.0 / std::max<qint64>(stored.persistedMs, 1));
    std::printf("  longest event-loop stall         %8.2f ms  (gap between 1 ms timer ticks)\n",
                stored.longestStallUs / 1000.0);
    return 0;
}
