// Durable storage through QtSql: SQLite by default (the embedded default), PostgreSQL by URL.
//
// Writes never block the event loop: they go into a queue bounded by count and bytes that a writer
// thread drains in batches, one transaction each. If the database goes away, the writer keeps the
// batch, retries with backoff, reconnects, and carries on; status() says so meanwhile. A SQLite file
// that is deleted, replaced or made read-only counts as "away" too, and is never re-created behind
// the server's back (see docs/security.md, "Storage and history"). Reads at start-up (restoring
// history and documents) block, before the server listens; later reads run on a reader pool.
//
// Offsets never repeat: for every room the writer commits a reserved mark ahead of the offsets
// handed out, and a start continues above it.
#pragma once

#include "core/history.h"

#include <QFuture>
#include <QHash>
#include <QJsonObject>
#include <QString>

#include <memory>

class QSqlDatabase;

namespace cortado {

class Hub;
class StorageWriter;

struct StorageConfig
{
    // "sqlite:PATH" or "postgres://user:password@host:port/database". cortado::Config fills this
    // and the queue bounds from its options (docs/configuration.md).
    QString url;
    qsizetype queueLimit = 100'000; // writes waiting at most; beyond, writes are refused
    qint64 queueBytes = 64 * 1024 * 1024; // and at most this many bytes of them
    // Group commit: a batch is committed when it has batchSize writes or its first write has
    // waited batchDelayMs, whichever comes first (sooner for a flush(), a stop or a reservation).
    // One commit (WAL pages, syscalls) then carries many messages. Acks never wait for it: what a
    // crash (not a clean stop) can lose is what is queued, in steady state the last batchDelayMs
    // (docs/security.md, "Not covered"). 0 ms: commit at once. A commit costs about a page per room
    // it touches, whatever the room's count of messages: 25 ms rather than 10 took the writer from
    // 3.2 to 2.4 CPU µs per message in the echo benchmark (100 rooms, ~70k messages/s).
    int batchSize = 2000;
    int batchDelayMs = 25;
    int historyMaxAgeSeconds = 7 * 24 * 3600; // older history rows are deleted and not restored
    // Offsets reserved ahead per room: a crash skips at most this many, and a room asks again
    // when half are used.
    qint64 offsetBlock = 1000;
    // How long the event loop waits for the first reservation of a room (only when the database
    // is reachable); beyond, the message is refused `overloaded`.
    int reserveWaitMs = 250;
    // Cluster mode: Redis numbers history messages (one counter per room for every node), so no
    // offsets are reserved here, and a restart continues from what is stored.
    bool externalSequence = false;

    // The default database: sqlite:<dataDir>/cortado.db.
    static QString defaultUrl(const QString &dataDir);
};

struct StorageStatus
{
    QString driver; // QSQLITE or QPSQL
    bool connected = false; // false while the writer retries
    qint64 backlog = 0; // writes accepted but not yet committed
    qint64 backlogBytes = 0; // their size, as counted against StorageConfig::queueBytes
    qint64 written = 0; // writes committed since start
    qint64 failures = 0; // failed batch attempts since start
    // How long the oldest write not committed yet has waited (ms; 0: nothing waits): the commit
    // lag, which grows while the database is away or slower than the traffic.
    qint64 commitLagMs = 0;
    QString lastError; // also why the database counts as unreachable (file deleted, read-only, ...)

    QJsonObject toJson() const;
};

class Storage
{
public:
    explicit Storage(StorageConfig config);
    ~Storage(); // stop(10'000) unless stopped

    // Connects, creates the schema, reads what start-up needs, starts the writer. Blocks.
    bool open(QString *error);

    // Puts back the rooms' history and offsets, and persists every new history entry from now on.
    void attach(Hub &hub);

    // Queued writes; false when the queue is full, or the entry's offset is not covered by a
    // committed reservation (nothing was accepted). `keepMessages` > 0: the room's older rows
    // beyond that count are deleted with the batch.
    bool appendHistory(const QString &route, const QString &room, const HistoryEntry &entry,
                       int keepMessages = 0);
    bool putDocument(const QString &collection, const QString &key, const QJsonObject &body);
    // Whether a write of `bytes` would fit the queue now (a cluster asks before Redis numbers a
    // message it will store when the message comes back).
    bool canAccept(qint64 bytes) const;

    // The documents of `collection` as they were at open().
    QHash<QString, QJsonObject> startupDocuments(const QString &collection) const;

    // History rows with offset > since (oldest first, at most `limit`), read on the reader pool.
    QFuture<QList<HistoryEntry>> readHistory(const QString &route, const QString &room, qint64 since,
                                             int limit) const;

    StorageStatus status() const;
    // Waits until every accepted write is committed; false on timeout.
    bool flush(int timeoutMs);
    // Flushes (bounded wait), stops the writer, and returns how many accepted writes were NOT
    // stored (0: everything is on disk). Later writes are refused. Idempotent.
    qint64 stop(int timeoutMs);

    struct Shared; // the queue between the event loop and the writer thread

private:
    bool reserveRestoredOffsets(QSqlDatabase &db, QString *error);
    StorageConfig m_config;
    std::shared_ptr<Shared> m_shared;
    std::unique_ptr<StorageWriter> m_writer;
    qint64 m_unstored = 0; // what stop() could not store
    QHash<QString, QHash<QString, QJsonObject>> m_startupDocuments;
    struct RestoredRoom
    {
        QString route, room;
        QList<HistoryEntry> entries;
        qint64 latest = 0;
        qint64 pruned = 0; // offsets up to here were pruned by count
    };
    QList<RestoredRoom> m_startupHistory;
};

} // namespace cortado
