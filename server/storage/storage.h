// Durable storage through QtSql: SQLite by default (the embedded default), PostgreSQL by URL.
//
// Writes never block the event loop: they go into a bounded queue that a writer thread drains in
// batches, one transaction each. If the database goes away, the writer keeps the batch, retries with
// backoff, reconnects, and carries on; status() says so meanwhile. Reads at start-up (restoring
// history and documents) block, before the server listens; later reads run on a reader pool.
#pragma once

#include "core/history.h"

#include <QFuture>
#include <QHash>
#include <QJsonObject>
#include <QString>

#include <memory>

namespace cortado {

class Hub;

// The data folder: CORTADO_DATA_DIR, or ./cortado-data.
QString dataDirectory();

struct StorageConfig
{
    QString url; // "sqlite:PATH" or "postgres://user:password@host:port/database"
    qsizetype queueLimit = 100'000; // writes waiting at most; beyond, writes are refused
    int batchSize = 500;
    int historyMaxAgeSeconds = 7 * 24 * 3600; // older history rows are deleted and not restored

    // CORTADO_DATABASE_URL (default: sqlite:<data folder>/cortado.db), CORTADO_STORAGE_QUEUE.
    static StorageConfig fromEnvironment(const QString &dataDir);
};

struct StorageStatus
{
    QString driver; // QSQLITE or QPSQL
    bool connected = false; // false while the writer retries
    qint64 backlog = 0; // writes accepted but not yet committed
    qint64 written = 0; // writes committed since start
    qint64 failures = 0; // failed batch attempts since start
    QString lastError;

    QJsonObject toJson() const;
};

class Storage
{
public:
    explicit Storage(StorageConfig config);
    ~Storage(); // flushes what it can (bounded wait), then stops the writer

    // Connects, creates the schema, reads what start-up needs, starts the writer. Blocks.
    bool open(QString *error);

    // Puts back the rooms' history and offsets, and persists every new history entry from now on.
    void attach(Hub &hub);

    // Queued writes; false when the queue is full (nothing was accepted).
    bool appendHistory(const QString &route, const QString &room, const HistoryEntry &entry);
    bool putDocument(const QString &collection, const QString &key, const QJsonObject &body);

    // The documents of `collection` as they were at open().
    QHash<QString, QJsonObject> startupDocuments(const QString &collection) const;

    // History rows with offset > since (oldest first, at most `limit`), read on the reader pool.
    QFuture<QList<HistoryEntry>> readHistory(const QString &route, const QString &room, qint64 since,
                                             int limit) const;

    StorageStatus status() const;
    // Waits until every accepted write is committed; false on timeout.
    bool flush(int timeoutMs);

    struct Shared; // the queue between the event loop and the writer thread

private:
    class Writer;

    StorageConfig m_config;
    std::shared_ptr<Shared> m_shared;
    std::unique_ptr<Writer> m_writer;
    QHash<QString, QHash<QString, QJsonObject>> m_startupDocuments;
    struct RestoredRoom
    {
        QString route, room;
        QList<HistoryEntry> entries;
        qint64 latest = 0;
    };
    QList<RestoredRoom> m_startupHistory;
};

} // namespace cortado
