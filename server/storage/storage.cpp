#include "storage.h"

#include "core/hub.h"

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMutex>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QThreadPool>
#include <QScopeGuard>
#include <QUrl>
#include <QWaitCondition>
#include <QtConcurrent>

#include <atomic>
#include <deque>

Q_LOGGING_CATEGORY(lcStorage, "cortado.storage", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado {

QString dataDirectory()
{
    const QString configured = qEnvironmentVariable("CORTADO_DATA_DIR");
    return configured.isEmpty() ? u"cortado-data"_s : configured;
}

StorageConfig StorageConfig::fromEnvironment(const QString &dataDir)
{
    StorageConfig config;
    config.url = qEnvironmentVariable("CORTADO_DATABASE_URL");
    if (config.url.isEmpty())
        config.url = u"sqlite:"_s + QDir(dataDir).filePath(u"cortado.db"_s);
    bool ok = false;
    const qsizetype queue = qEnvironmentVariable("CORTADO_STORAGE_QUEUE").toLongLong(&ok);
    if (ok && queue > 0)
        config.queueLimit = queue;
    return config;
}

QJsonObject StorageStatus::toJson() const
{
    return QJsonObject{{u"driver"_s, driver},     {u"connected"_s, connected},
                       {u"backlog"_s, backlog},   {u"written"_s, written},
                       {u"failures"_s, failures}, {u"lastError"_s, lastError}};
}

namespace {

bool isSqlite(const QString &url)
{
    return url.startsWith("sqlite:"_L1);
}

// Opens a connection named `name` in the calling thread (QtSql connections are per thread).
QSqlDatabase openConnection(const QString &url, const QString &name, QString *error)
{
    QSqlDatabase db;
    if (isSqlite(url)) {
        const QString path = url.sliced(7);
        QDir().mkpath(QFileInfo(path).absolutePath());
        db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(path);
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    } else {
        const QUrl parsed(url);
        if (!(parsed.scheme() == "postgres"_L1 || parsed.scheme() == "postgresql"_L1)) {
            *error = u"database URL must be sqlite:PATH or postgres://...: %1"_s.arg(url);
            return {};
        }
        db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
        db.setHostName(parsed.host());
        db.setPort(parsed.port(5432));
        db.setDatabaseName(parsed.path().sliced(1));
        db.setUserName(parsed.userName());
        db.setPassword(parsed.password());
        db.setConnectOptions(u"connect_timeout=3"_s);
    }
    if (!db.open()) {
        *error = db.lastError().text();
        return db;
    }
    if (isSqlite(url)) {
        QSqlQuery pragma(db);
        pragma.exec(u"PRAGMA journal_mode=WAL"_s);
        pragma.exec(u"PRAGMA synchronous=NORMAL"_s);
    }
    return db;
}

void closeConnection(const QString &name)
{
    {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

bool exec(QSqlQuery &query, const QString &sql, QString *error)
{
    if (query.exec(sql))
        return true;
    *error = query.lastError().text();
    return false;
}

} // namespace

struct WriteItem
{
    enum class Kind { History, Document } kind;
    QString first; // route | collection
    QString second; // room | key
    qint64 offset = 0;
    qint64 at = 0;
    QString body; // frame | JSON
};

struct Storage::Shared
{
    QMutex mutex;
    QWaitCondition wake; // items arrived, or stop
    QWaitCondition drained; // a batch was committed
    std::deque<WriteItem> queue;
    qsizetype inFlight = 0;
    bool stopping = false;
    std::atomic<bool> connected = false;
    std::atomic<qint64> written = 0;
    std::atomic<qint64> failures = 0;
    QString lastError; // under mutex
};

class Storage::Writer : public QThread
{
public:
    Writer(StorageConfig config, std::shared_ptr<Shared> shared)
        : m_config(std::move(config)), m_shared(std::move(shared))
    {
        setObjectName(u"cortado-storage-writer"_s);
    }

protected:
    void run() override
    {
        const QString name = u"cortado-writer"_s;
        std::vector<WriteItem> batch;
        int backoffMs = 100;
        qint64 batchesSinceCleanup = 0;
        for (;;) {
            if (batch.empty() && !takeBatch(&batch))
                break; // stopping, and nothing left
            QString error;
            if (ensureConnected(name, &error) && write(name, batch, &error)) {
                if (!m_shared->connected.exchange(true))
                    qCInfo(lcStorage, "database reachable; writing the backlog");
                m_shared->written += qint64(batch.size());
                QMutexLocker lock(&m_shared->mutex);
                m_shared->inFlight = 0;
                m_shared->drained.wakeAll();
                batch.clear();
                backoffMs = 100;
                if (++batchesSinceCleanup >= 1000) {
                    batchesSinceCleanup = 0;
                    lock.unlock();
                    deleteOldHistory(name);
                }
                continue;
            }
            // Keep the batch and retry: accepted writes are never dropped.
            ++m_shared->failures;
            if (m_shared->connected.exchange(false) || m_shared->failures == 1)
                qCWarning(lcStorage, "database write failed, retrying: %s", qUtf8Printable(error));
            closeConnection(name);
            QMutexLocker lock(&m_shared->mutex);
            m_shared->lastError = error;
            m_shared->wake.wait(&m_shared->mutex, backoffMs);
            if (m_shared->stopping && m_abandon)
                break;
            backoffMs = std::min(backoffMs * 2, 5000);
        }
        closeConnection(name);
    }

public:
    std::atomic<bool> m_abandon = false; // set when shutdown gave up waiting

private:
    bool takeBatch(std::vector<WriteItem> *batch)
    {
        QMutexLocker lock(&m_shared->mutex);
        while (m_shared->queue.empty() && !m_shared->stopping)
            m_shared->wake.wait(&m_shared->mutex);
        if (m_shared->queue.empty())
            return false;
        while (!m_shared->queue.empty() && qsizetype(batch->size()) < m_config.batchSize) {
            batch->push_back(std::move(m_shared->queue.front()));
            m_shared->queue.pop_front();
        }
        m_shared->inFlight = qsizetype(batch->size());
        return true;
    }

    bool ensureConnected(const QString &name, QString *error)
    {
        if (QSqlDatabase::contains(name) && QSqlDatabase::database(name, false).isOpen())
            return true;
        if (QSqlDatabase::contains(name))
            QSqlDatabase::removeDatabase(name);
        return openConnection(m_config.url, name, error).isOpen();
    }

    bool write(const QString &name, const std::vector<WriteItem> &batch, QString *error)
    {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        if (!db.transaction()) {
            *error = db.lastError().text();
            return false;
        }
        QSqlQuery rooms(db), document(db);
        rooms.prepare(u"INSERT INTO cortado_rooms (route, room, last_seq) VALUES (?, ?, ?) "
                      u"ON CONFLICT (route, room) DO UPDATE SET last_seq = excluded.last_seq "
                      u"WHERE excluded.last_seq > cortado_rooms.last_seq"_s);
        document.prepare(u"INSERT INTO cortado_documents (collection, doc_key, body, updated_at) "
                         u"VALUES (?, ?, ?, ?) ON CONFLICT (collection, doc_key) DO UPDATE "
                         u"SET body = excluded.body, updated_at = excluded.updated_at"_s);
        QHash<QString, qint64> lastOffsets; // route\nroom → highest offset in this batch
        std::vector<const WriteItem *> historyRows;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const WriteItem &item = batch[i];
            if (item.kind == WriteItem::Kind::History) {
                historyRows.push_back(&item);
                qint64 &last = lastOffsets[item.first + u'\n' + item.second];
                last = std::max(last, item.offset);
                continue;
            }
            if (laterDocumentInBatch(batch, i))
                continue; // only the newest state of a document matters
            document.addBindValue(item.first);
            document.addBindValue(item.second);
            document.addBindValue(item.body);
            document.addBindValue(item.at);
            if (!document.exec()) {
                *error = document.lastError().text();
                db.rollback();
                return false;
            }
        }
        if (!insertHistory(db, historyRows, error)) {
            db.rollback();
            return false;
        }
        for (auto it = lastOffsets.cbegin(); it != lastOffsets.cend(); ++it) {
            const qsizetype split = it.key().indexOf(u'\n');
            rooms.addBindValue(it.key().left(split));
            rooms.addBindValue(it.key().sliced(split + 1));
            rooms.addBindValue(it.value());
            if (!rooms.exec()) {
                *error = rooms.lastError().text();
                db.rollback();
                return false;
            }
        }
        if (!db.commit()) {
            *error = db.lastError().text();
            db.rollback();
            return false;
        }
        return true;
    }

    // SQLite is in-process: a prepared statement per row is fastest. A server (PostgreSQL) pays a
    // round trip per statement: one multi-row INSERT per batch is ~6x faster there.
    static bool insertHistory(QSqlDatabase &db, const std::vector<const WriteItem *> &rows, QString *error)
    {
        if (rows.empty())
            return true;
        const QString insert = u"INSERT INTO cortado_history (route, room, seq, created_at, frame) VALUES "_s;
        const bool perRow = db.driverName() == "QSQLITE"_L1;
        QString sql = insert + u"(?,?,?,?,?)"_s;
        if (!perRow) {
            for (std::size_t i = 1; i < rows.size(); ++i)
                sql += u",(?,?,?,?,?)"_s;
        }
        sql += u" ON CONFLICT DO NOTHING"_s;
        QSqlQuery query(db);
        query.prepare(sql);
        for (const WriteItem *row : rows) {
            query.addBindValue(row->first);
            query.addBindValue(row->second);
            query.addBindValue(row->offset);
            query.addBindValue(row->at);
            query.addBindValue(row->body);
            if (perRow && !query.exec()) {
                *error = query.lastError().text();
                return false;
            }
        }
        if (!perRow && !query.exec()) {
            *error = query.lastError().text();
            return false;
        }
        return true;
    }

    static bool laterDocumentInBatch(const std::vector<WriteItem> &batch, std::size_t index)
    {
        for (std::size_t later = index + 1; later < batch.size(); ++later) {
            if (batch[later].kind == WriteItem::Kind::Document && batch[later].first == batch[index].first
                && batch[later].second == batch[index].second)
                return true;
        }
        return false;
    }

    void deleteOldHistory(const QString &name)
    {
        QSqlQuery query(QSqlDatabase::database(name, false));
        query.prepare(u"DELETE FROM cortado_history WHERE created_at < ?"_s);
        query.addBindValue(QDateTime::currentMSecsSinceEpoch() - qint64(m_config.historyMaxAgeSeconds) * 1000);
        query.exec();
    }

    StorageConfig m_config;
    std::shared_ptr<Shared> m_shared;
};

Storage::Storage(StorageConfig config)
    : m_config(std::move(config)), m_shared(std::make_shared<Shared>())
{
}

Storage::~Storage()
{
    if (!m_writer)
        return;
    if (!flush(10'000)) {
        QMutexLocker lock(&m_shared->mutex);
        qCCritical(lcStorage, "shutting down with %lld writes not stored: %s",
                   qint64(m_shared->queue.size() + m_shared->inFlight), qUtf8Printable(m_shared->lastError));
        m_writer->m_abandon = true;
    }
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->stopping = true;
        m_shared->wake.wakeAll();
    }
    m_writer->wait();
}

bool Storage::open(QString *error)
{
    const QString name = u"cortado-startup"_s;
    QSqlDatabase db = openConnection(m_config.url, name, error);
    const auto cleanup = qScopeGuard([&] {
        db = {};
        closeConnection(name);
    });
    if (!db.isOpen()) {
        *error = u"cannot open the database %1: %2"_s.arg(m_config.url, *error);
        return false;
    }
    QSqlQuery query(db);
    const bool schema =
            exec(query, u"CREATE TABLE IF NOT EXISTS cortado_history (route TEXT NOT NULL, room TEXT NOT NULL, "
                        u"seq BIGINT NOT NULL, created_at BIGINT NOT NULL, frame TEXT NOT NULL, "
                        u"PRIMARY KEY (route, room, seq))"_s, error)
            && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_rooms (route TEXT NOT NULL, room TEXT NOT NULL, "
                           u"last_seq BIGINT NOT NULL, PRIMARY KEY (route, room))"_s, error)
            && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_documents (collection TEXT NOT NULL, "
                           u"doc_key TEXT NOT NULL, body TEXT NOT NULL, updated_at BIGINT NOT NULL, "
                           u"PRIMARY KEY (collection, doc_key))"_s, error);
    if (!schema) {
        *error = u"cannot create the schema: "_s + *error;
        return false;
    }

    // What start-up restores: recent history, every room's last offset, and the documents.
    QHash<QString, qsizetype> roomIndex;
    auto roomFor = [&](const QString &route, const QString &room) -> RestoredRoom & {
        const QString key = route + u'\n' + room;
        auto it = roomIndex.constFind(key);
        if (it == roomIndex.cend()) {
            it = roomIndex.insert(key, m_startupHistory.size());
            m_startupHistory.append(RestoredRoom{route, room, {}, 0});
        }
        return m_startupHistory[*it];
    };
    if (!exec(query, u"SELECT route, room, last_seq FROM cortado_rooms"_s, error))
        return false;
    while (query.next())
        roomFor(query.value(0).toString(), query.value(1).toString()).latest = query.value(2).toLongLong();
    query.prepare(u"SELECT route, room, seq, created_at, frame FROM cortado_history WHERE created_at >= ? "
                  u"ORDER BY route, room, seq"_s);
    query.addBindValue(QDateTime::currentMSecsSinceEpoch() - qint64(m_config.historyMaxAgeSeconds) * 1000);
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    while (query.next()) {
        RestoredRoom &room = roomFor(query.value(0).toString(), query.value(1).toString());
        room.entries.append(HistoryEntry{query.value(2).toLongLong(), query.value(3).toLongLong(),
                                         query.value(4).toString()});
        room.latest = std::max(room.latest, room.entries.last().offset);
    }
    if (!exec(query, u"SELECT collection, doc_key, body FROM cortado_documents"_s, error))
        return false;
    while (query.next())
        m_startupDocuments[query.value(0).toString()].insert(
                query.value(1).toString(), QJsonDocument::fromJson(query.value(2).toString().toUtf8()).object());

    m_shared->connected = true;
    m_writer = std::make_unique<Writer>(m_config, m_shared);
    m_writer->start();
    qCInfo(lcStorage, "storage: %s (%lld rooms with history restored)",
           qUtf8Printable(isSqlite(m_config.url) ? m_config.url : QUrl(m_config.url).adjusted(QUrl::RemovePassword).toString()),
           qint64(m_startupHistory.size()));
    return true;
}

void Storage::attach(Hub &hub)
{
    for (RestoredRoom &room : m_startupHistory)
        hub.history().restore(room.route, room.room, std::move(room.entries), room.latest);
    m_startupHistory.clear();
    hub.setHistorySink([this](const QString &route, const QString &room, const HistoryEntry &entry) {
        return appendHistory(route, room, entry);
    });
}

static bool enqueue(Storage::Shared *shared, qsizetype limit, WriteItem item)
{
    QMutexLocker lock(&shared->mutex);
    if (qsizetype(shared->queue.size()) + shared->inFlight >= limit)
        return false;
    shared->queue.push_back(std::move(item));
    shared->wake.wakeOne();
    return true;
}

bool Storage::appendHistory(const QString &route, const QString &room, const HistoryEntry &entry)
{
    return enqueue(m_shared.get(), m_config.queueLimit,
                   WriteItem{WriteItem::Kind::History, route, room, entry.offset, entry.createdAtMs, entry.frame});
}

bool Storage::putDocument(const QString &collection, const QString &key, const QJsonObject &body)
{
    return enqueue(m_shared.get(), m_config.queueLimit,
                   WriteItem{WriteItem::Kind::Document, collection, key, 0, QDateTime::currentMSecsSinceEpoch(),
                             QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact))});
}

QHash<QString, QJsonObject> Storage::startupDocuments(const QString &collection) const
{
    return m_startupDocuments.value(collection);
}

QFuture<QList<HistoryEntry>> Storage::readHistory(const QString &route, const QString &room, qint64 since,
                                                  int limit) const
{
    static QThreadPool readers;
    readers.setMaxThreadCount(2);
    const QString url = m_config.url;
    return QtConcurrent::run(&readers, [url, route, room, since, limit] {
        // A connection per read: reader threads come and go, and QtSql connections are per thread.
        const QString name = u"cortado-reader-%1"_s.arg(quintptr(QThread::currentThreadId()));
        QList<HistoryEntry> entries;
        QString error;
        {
            QSqlDatabase db = openConnection(url, name, &error);
            if (!db.isOpen()) {
                db = {};
                closeConnection(name);
                throw std::runtime_error(error.toStdString());
            }
            QSqlQuery query(db);
            query.prepare(u"SELECT seq, created_at, frame FROM cortado_history WHERE route = ? AND room = ? "
                          u"AND seq > ? ORDER BY seq LIMIT ?"_s);
            query.addBindValue(route);
            query.addBindValue(room);
            query.addBindValue(since);
            query.addBindValue(limit);
            const bool ok = query.exec();
            while (ok && query.next())
                entries.append(HistoryEntry{query.value(0).toLongLong(), query.value(1).toLongLong(),
                                            query.value(2).toString()});
            if (!ok)
                error = query.lastError().text();
        }
        closeConnection(name);
        if (!error.isEmpty())
            throw std::runtime_error(error.toStdString());
        return entries;
    });
}

StorageStatus Storage::status() const
{
    StorageStatus status;
    status.driver = isSqlite(m_config.url) ? u"QSQLITE"_s : u"QPSQL"_s;
    status.connected = m_shared->connected;
    status.written = m_shared->written;
    status.failures = m_shared->failures;
    QMutexLocker lock(&m_shared->mutex);
    status.backlog = qint64(m_shared->queue.size()) + m_shared->inFlight;
    status.lastError = m_shared->lastError;
    return status;
}

bool Storage::flush(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    QMutexLocker lock(&m_shared->mutex);
    while (!m_shared->queue.empty() || m_shared->inFlight > 0) {
        if (!m_shared->drained.wait(&m_shared->mutex, deadline))
            return false;
    }
    return true;
}

} // namespace cortado
