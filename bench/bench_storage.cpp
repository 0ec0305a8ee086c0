// bench_storage: how fast the background writer persists room history, and how long the event loop
// ever stalls while a burst is being queued.
//
//   bench_storage [--messages 100000] [--rooms 1] [--database sqlite:/tmp/x.db | postgres://user@host:port/db]
//
// With --rooms N the messages go round-robin into N rooms: each new room's first message waits for
// its first offset reservation to be committed (the price of offsets that never repeat).
//
// Sends a burst of messages into a history room through the hub (encoding, recording and queueing,
// 1,000 per event-loop turn, as a busy server would), while a 1 ms timer on the same event loop
// records the longest gap between its ticks. Then waits until the writer has committed everything.
#include "core/hub.h"
#include "storage/storage.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption messagesOption(u"messages"_s, u"Messages in the burst."_s, u"n"_s, u"100000"_s);
    const QCommandLineOption databaseOption(u"database"_s, u"Database URL (default: SQLite in a temp folder)."_s, u"url"_s);
    const QCommandLineOption roomsOption(u"rooms"_s, u"Rooms the messages go to, round-robin."_s, u"n"_s, u"1"_s);
    parser.addOptions({messagesOption, databaseOption, roomsOption});
    parser.addHelpOption();
    parser.process(app);
    const int messageCount = parser.value(messagesOption).toInt();
    const int roomCount = std::max(1, parser.value(roomsOption).toInt());
    QStringList rooms;
    for (int i = 0; i < roomCount; ++i)
        rooms.append(roomCount == 1 ? u"bench"_s : u"bench-%1"_s.arg(i));

    QTemporaryDir dir;
    cortado::StorageConfig config;
    config.url = parser.isSet(databaseOption) ? parser.value(databaseOption) : u"sqlite:"_s + dir.filePath(u"bench.db"_s);
    config.queueLimit = messageCount + 1;
    cortado::Storage storage(config);
    QString error;
    if (!storage.open(&error))
        qFatal("%s", qPrintable(error));
    cortado::Hub hub;
    hub.history().setPolicyLookup([](const QString &, const QString &) {
        return std::optional<cortado::HistoryPolicy>(cortado::HistoryPolicy{1000, 3600});
    });
    storage.attach(hub);

    // The stall meter: a 1 ms timer on the event loop; a late tick means the loop was busy.
    QElapsedTimer clock;
    clock.start();
    qint64 lastTick = 0, longestStallUs = 0;
    QTimer meter;
    meter.setTimerType(Qt::PreciseTimer);
    QObject::connect(&meter, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed() / 1000;
        if (lastTick)
            longestStallUs = std::max(longestStallUs, now - lastTick);
        lastTick = now;
    });
    meter.start(1);

    const QJsonObject payload{{u"text"_s, u"the quick brown fox jumps over the lazy dog"_s}, {u"n"_s, 42}};
    int sent = 0;
    qint64 refused = 0;
    QElapsedTimer burst;
    qint64 queuedAfterMs = 0;
    QTimer producer;
    QObject::connect(&producer, &QTimer::timeout, [&] {
        for (int i = 0; i < 1000 && sent < messageCount; ++i, ++sent) {
            const QString &room = rooms.at(sent % roomCount);
            if (hub.send(cortado::Target::room(u"/chat"_s, room),
                         cortado::Message{u"chat:message"_s, payload, room, u"sender"_s}).refused)
                ++refused;
        }
        if (sent == messageCount) {
            producer.stop();
            queuedAfterMs = burst.elapsed();
        }
    });
    QTimer::singleShot(50, [&] {
        burst.start();
        producer.start(0);
    });
    QTimer done;
    QObject::connect(&done, &QTimer::timeout, [&] {
        if (sent == messageCount && storage.status().backlog == 0)
            app.quit();
    });
    done.start(1);
    app.exec();
    const qint64 persistedAfterMs = burst.elapsed();

    const cortado::StorageStatus status = storage.status();
    std::printf("cortado bench_storage: %d messages into %d history room(s), %s\n", messageCount, roomCount,
                qPrintable(status.driver));
    std::printf("  queued on the event loop in      %8lld ms  (%.0f msgs/s; %lld refused)\n", queuedAfterMs,
                messageCount * 1000.0 / std::max<qint64>(queuedAfterMs, 1), refused);
    std::printf("  persisted by the writer after    %8lld ms  (%.0f msgs/s committed)\n", persistedAfterMs,
                double(status.written) * 1000.0 / std::max<qint64>(persistedAfterMs, 1));
    std::printf("  longest event-loop stall         %8.2f ms  (gap between 1 ms timer ticks)\n",
                longestStallUs / 1000.0);
    return 0;
}
