// The queue between the event loop (Storage) and the writer thread, bounded by count and bytes,
// and the offset reservations they share. Internal to the storage library.
#pragma once

#include "storage.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>
#include <QWaitCondition>

#include <atomic>
#include <deque>

namespace cortado {

struct WriteItem
{
    enum class Kind { History, Document } kind;
    QString first; // route | collection
    QString second; // room | key
    qint64 offset = 0;
    qint64 at = 0;
    QByteArray body; // frame | JSON, UTF-8 (a frame shares the bytes the hub sent)
    int keep = 0; // history: the room keeps this many rows (0: no count limit)

    // What it costs while queued, as counted against StorageConfig::queueBytes.
    qint64 bytes() const
    {
        return qint64(sizeof(WriteItem)) + (first.size() + second.size()) * qint64(sizeof(QChar)) + body.size();
    }
};

struct Reservation
{
    QString route, room;
    qint64 mark = 0; // offsets up to here may be handed out
};

struct Storage::Shared
{
    QMutex mutex;
    QWaitCondition wake; // items or reservation requests arrived, or stop
    QWaitCondition drained; // a batch was committed
    QWaitCondition reservedChanged; // reservations were committed
    std::deque<WriteItem> queue;
    qsizetype inFlight = 0;
    qint64 queuedBytes = 0; // of `queue` and the batch in flight
    qint64 inFlightBytes = 0;
    qint64 inFlightOldestAt = 0; // the batch in flight's first write's time (ms since the epoch)
    QHash<QString, qint64> reserved; // route\nroom → committed mark
    QHash<QString, Reservation> reserveRequests; // route\nroom → wanted mark, until committed
    bool stopping = false;
    // The writer waits for work (idle) or for its batch to fill (lingering); a push wakes it only
    // then, so the event loop makes no wake-up call per message.
    bool writerIdle = false;
    bool writerLingering = false;
    int flushing = 0; // flush() callers waiting: the writer does not linger
    std::atomic<bool> connected = false;
    std::atomic<qint64> written = 0;
    std::atomic<qint64> failures = 0;
    QString lastError; // under mutex
};

namespace storage {

inline QString roomKey(const QString &route, const QString &room)
{
    return route + u'\n' + room;
}

} // namespace storage

} // namespace cortado
