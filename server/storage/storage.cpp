#include "storage.h"

#include "core/hub.h"
#include "core/session.h"

#include <QCoreApplication>
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
#include <cerrno>
#include <cstring>
#include <deque>

#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcStorage, "cortado.storage", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado {

QString StorageConfig::defaultUrl(const QString &dataDir)
{
    return u"sqlite:"_s + QDir(dataDir).filePath(u"cortado.db"_s);
}

QJsonObject StorageStatus::toJson() const
{
    return QJsonObject{{u"driver"_s, driver},     {u"connected"_s, connected},
                       {u"backlog"_s, backlog},   {u"backlogBytes"_s, backlogBytes},
                       {u"written"_s, written},
                       {u"failures"_s, failures}, {u"lastError"_s, lastError}};
}

namespace {

bool isSqlite(const QString &url)
{
    return url.startsWith("sqlite:"_L1);
}

QString sqlitePath(const QString &url)
{
    return url.sliced(7);
}

// Opens a connection named `name` in the calling thread (QtSql connections are per thread).
// Only start-up may create a SQLite file: later a missing file means it was deleted, and a fresh
// empty one would quietly take the place of the data (and of the offsets reserved in it).
QSqlDatabase openConnection(const QString &url, const QString &name, QString *error, bool create = false)
{
    QSqlDatabase db;
    if (isSqlite(url)) {
        const QString path = sqlitePath(url);
        if (create) {
            QDir().mkpath(QFileInfo(path).absolutePath());
        } else if (!QFileInfo::exists(path)) {
            *error = u"the database file %1 does not exist"_s.arg(path);
            return db;
        }
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
    int keep = 0; // history: the room keeps this many rows (0: no count limit)

    // What it costs while queued, as counted against StorageConfig::queueBytes.
    qint64 bytes() const
    {
        return qint64(sizeof(WriteItem)) + (first.size() + second.size() + body.size()) * qint64(sizeof(QChar));
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
    QHash<QString, qint64> reserved; // route\nroom → committed mark
    QHash<QString, Reservation> reserveRequests; // route\nroom → wanted mark, until committed
    bool stopping = false;
    std::atomic<bool> connected = false;
    std::atomic<qint64> written = 0;
    std::atomic<qint64> failures = 0;
    QString lastError; // under mutex
};

namespace {

QString roomKey(const QString &route, const QString &room)
{
    return route + u'\n' + room;
}

// Which file a SQLite connection writes to: deleting or replacing the path does not stop SQLite
// (it keeps writing into the unlinked file), so the writer compares this before and after a batch.
struct FileIdentity
{
    dev_t device = 0;
    ino_t inode = 0;
    bool known = false;
};

FileIdentity identityOf(const QString &path)
{
    struct stat info = {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return {};
    return FileIdentity{info.st_dev, info.st_ino, true};
}

// Why the file cannot take writes, or empty. access(W_OK) also answers EPERM for an immutable
// file (chattr +i), which stops root too; plain permission bits do not stop root.
QString sqliteFileProblem(const QString &path, const FileIdentity &expected)
{
    const QByteArray encoded = QFile::encodeName(path);
    const FileIdentity now = identityOf(path);
    if (!now.known)
        return u"the database file %1 is gone (deleted, or its folder was); writes are kept in memory "
                 u"and retried, and are lost if the server stops: restore the file, or stop the server"_s.arg(path);
    if (expected.known && (now.device != expected.device || now.inode != expected.inode))
        return u"the database file %1 was replaced by another file; writes are kept in memory and "
                 u"retried, and are lost if the server stops"_s.arg(path);
    for (const QByteArray &file : {encoded, encoded + "-wal", QFile::encodeName(QFileInfo(path).absolutePath())}) {
        if (::access(file.constData(), F_OK) == 0 && ::access(file.constData(), W_OK) != 0)
            return u"%1 is not writable (%2); writes are kept in memory and retried"_s.arg(
                    QFile::decodeName(file), QString::fromLocal8Bit(std::strerror(errno)));
    }
    return {};
}

// When the whole data folder is gone, leave a note where it was: the next start then finds Cortado
// data without its JWT secret and refuses to start, instead of silently beginning afresh with a
// new secret (see auth/tokens.cpp). Never a database file: that would take the place of the data.
void leaveNoteForLostFolder(const QString &databasePath)
{
    const QString folder = QFileInfo(databasePath).absolutePath();
    if (QFileInfo::exists(folder) || !QDir().mkpath(folder))
        return;
    QFile note(QDir(folder).filePath(u".cortado-data"_s));
    if (note.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        note.write(u"This Cortado data folder was deleted at %1 while cortado-server (pid %2) was running; "
                   u"its database and JWT secret are gone.\n"_s
                           .arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODate))
                           .arg(QCoreApplication::applicationPid())
                           .toUtf8());
}

} // namespace

class Storage::Writer : public QThread
{
public:
    Writer(StorageConfig config, std::shared_ptr<Shared> shared, FileIdentity file)
        : m_config(std::move(config)), m_shared(std::move(shared)), m_file(file)
    {
        setObjectName(u"cortado-storage-writer"_s);
    }

protected:
    void run() override
    {
        const QString name = u"cortado-writer"_s;
        std::vector<WriteItem> batch;
        QList<Reservation> reservations;
        int backoffMs = 100;
        qint64 batchesSinceCleanup = 0;
        for (;;) {
            if (batch.empty() && reservations.isEmpty() && !takeWork(&batch, &reservations))
                break; // stopping, and nothing left
            QString error;
            // The file is checked before and after: rows committed into a deleted file are not stored.
            if (ensureConnected(name, &error) && fileUsable(&error) && write(name, batch, reservations, &error)
                && fileUsable(&error)) {
                if (!m_shared->connected.exchange(true))
                    qCInfo(lcStorage, "database reachable; writing the backlog");
                m_shared->written += qint64(batch.size());
                QMutexLocker lock(&m_shared->mutex);
                publish(reservations);
                m_shared->lastError.clear();
                m_shared->inFlight = 0;
                m_shared->queuedBytes -= m_shared->inFlightBytes;
                m_shared->inFlightBytes = 0;
                m_shared->drained.wakeAll();
                const bool wroteSomething = !batch.empty();
                batch.clear();
                reservations.clear();
                backoffMs = 100;
                if (wroteSomething && ++batchesSinceCleanup >= 1000) {
                    batchesSinceCleanup = 0;
                    lock.unlock();
                    deleteOldHistory(name);
                }
                continue;
            }
            // Keep the batch and retry: accepted writes are never dropped.
            ++m_shared->failures;
            const bool wasConnected = m_shared->connected.exchange(false);
            QMutexLocker lock(&m_shared->mutex);
            if (wasConnected || error != m_shared->lastError)
                qCWarning(lcStorage, "database write failed, retrying: %s", qUtf8Printable(error));
            m_shared->lastError = error;
            m_shared->reservedChanged.wakeAll(); // a waiting reservation gives up now
            lock.unlock();
            // A connection to an unusable file is kept, unused, until the file is usable again:
            // closing it would checkpoint the WAL into it, and reopening is refused anyway.
            if (!m_fileProblem)
                closeConnection(name);
            lock.relock();
            m_shared->wake.wait(&m_shared->mutex, backoffMs);
            if (m_shared->stopping && m_abandon)
                break;
            backoffMs = std::min(backoffMs * 2, 5000);
        }
        if (!m_abandon)
            releaseReservations(name);
        closeConnection(name);
    }

public:
    std::atomic<bool> m_abandon = false; // set when shutdown gave up waiting

private:
    // Waits for writes or reservation requests; wakes every second when idle to look at the file.
    // False when stopping with nothing left to write.
    bool takeWork(std::vector<WriteItem> *batch, QList<Reservation> *reservations)
    {
        QMutexLocker lock(&m_shared->mutex);
        if (m_shared->queue.empty() && m_shared->reserveRequests.isEmpty() && !m_shared->stopping)
            m_shared->wake.wait(&m_shared->mutex, 1000);
        if (m_shared->queue.empty() && m_shared->stopping)
            return false;
        *reservations = m_shared->reserveRequests.values();
        while (!m_shared->queue.empty() && qsizetype(batch->size()) < m_config.batchSize) {
            m_shared->inFlightBytes += m_shared->queue.front().bytes();
            batch->push_back(std::move(m_shared->queue.front()));
            m_shared->queue.pop_front();
        }
        m_shared->inFlight = qsizetype(batch->size());
        return true;
    }

    // Under the mutex: committed reservations become usable, and satisfied requests are done.
    void publish(const QList<Reservation> &reservations)
    {
        if (reservations.isEmpty())
            return;
        for (const Reservation &reservation : reservations) {
            const QString key = roomKey(reservation.route, reservation.room);
            qint64 &mark = m_shared->reserved[key];
            mark = std::max(mark, reservation.mark);
            const auto request = m_shared->reserveRequests.constFind(key);
            if (request != m_shared->reserveRequests.cend() && request->mark <= mark)
                m_shared->reserveRequests.erase(request);
        }
        m_shared->reservedChanged.wakeAll();
    }

    bool fileUsable(QString *error)
    {
        if (!isSqlite(m_config.url))
            return true;
        const QString problem = sqliteFileProblem(sqlitePath(m_config.url), m_file);
        m_fileProblem = !problem.isEmpty();
        if (problem.isEmpty())
            return true;
        if (!m_noteLeft) {
            m_noteLeft = true;
            leaveNoteForLostFolder(sqlitePath(m_config.url));
        }
        *error = problem;
        return false;
    }

    bool ensureConnected(const QString &name, QString *error)
    {
        if (QSqlDatabase::contains(name) && QSqlDatabase::database(name, false).isOpen())
            return true;
        if (QSqlDatabase::contains(name))
            QSqlDatabase::removeDatabase(name);
        // Only the very file start-up opened: never a new one in its place.
        if (!fileUsable(error))
            return false;
        return openConnection(m_config.url, name, error).isOpen();
    }

    bool write(const QString &name, const std::vector<WriteItem> &batch, const QList<Reservation> &reservations,
               QString *error)
    {
        if (batch.empty() && reservations.isEmpty())
            return true; // an idle look at the file
        QSqlDatabase db = QSqlDatabase::database(name, false);
        if (!db.transaction()) {
            *error = db.lastError().text();
            return false;
        }
        QSqlQuery rooms(db), document(db), prune(db), reserve(db);
        rooms.prepare(u"INSERT INTO cortado_rooms (route, room, last_seq) VALUES (?, ?, ?) "
                      u"ON CONFLICT (route, room) DO UPDATE SET last_seq = excluded.last_seq "
                      u"WHERE excluded.last_seq > cortado_rooms.last_seq"_s);
        document.prepare(u"INSERT INTO cortado_documents (collection, doc_key, body, updated_at) "
                         u"VALUES (?, ?, ?, ?) ON CONFLICT (collection, doc_key) DO UPDATE "
                         u"SET body = excluded.body, updated_at = excluded.updated_at"_s);
        prune.prepare(u"DELETE FROM cortado_history WHERE route = ? AND room = ? AND seq <= ?"_s);
        // Binds `values`, runs `query`; on failure the transaction is rolled back and `error` says why.
        auto run = [&](QSqlQuery &query, std::initializer_list<QVariant> values) {
            for (const QVariant &value : values)
                query.addBindValue(value);
            if (query.exec())
                return true;
            *error = query.lastError().text();
            db.rollback();
            return false;
        };
        struct RoomWrite
        {
            QString route, room;
            qint64 last = 0;
            int keep = 0;
        };
        QHash<QString, RoomWrite> roomWrites; // route\nroom → highest offset in this batch
        std::vector<const WriteItem *> historyRows;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const WriteItem &item = batch[i];
            if (item.kind == WriteItem::Kind::History) {
                historyRows.push_back(&item);
                RoomWrite &room = roomWrites[roomKey(item.first, item.second)];
                room.route = item.first;
                room.room = item.second;
                room.last = std::max(room.last, item.offset);
                room.keep = item.keep;
                continue;
            }
            if (laterDocumentInBatch(batch, i))
                continue; // only the newest state of a document matters
            if (!run(document, {item.first, item.second, item.body, item.at}))
                return false;
        }
        if (!insertHistory(db, historyRows, error)) {
            db.rollback();
            return false;
        }
        for (const RoomWrite &room : std::as_const(roomWrites)) {
            if (!run(rooms, {room.route, room.room, room.last}))
                return false;
            // The file stays proportional to the policy: the rows beyond the room's count go with
            // the batch (an index range delete on the primary key).
            if (room.keep > 0 && room.last > room.keep && !run(prune, {room.route, room.room, room.last - room.keep}))
                return false;
        }
        if (!reservations.isEmpty()) {
            reserve.prepare(u"INSERT INTO cortado_offsets (route, room, reserved_seq) VALUES (?, ?, ?) "
                            u"ON CONFLICT (route, room) DO UPDATE SET reserved_seq = excluded.reserved_seq "
                            u"WHERE excluded.reserved_seq > cortado_offsets.reserved_seq"_s);
            for (const Reservation &reservation : reservations) {
                if (!run(reserve, {reservation.route, reservation.room, reservation.mark}))
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

    // After a clean stop every offset handed out is committed, so the reserved marks can come back
    // down to the rooms' last offsets: a restart then continues without a gap. (Appends are refused
    // from the moment stop() began, so no offset beyond them is out.)
    void releaseReservations(const QString &name)
    {
        QString error;
        if (!ensureConnected(name, &error) || !fileUsable(&error))
            return;
        QSqlQuery query(QSqlDatabase::database(name, false));
        if (!query.exec(u"UPDATE cortado_offsets SET reserved_seq = COALESCE((SELECT r.last_seq FROM cortado_rooms r "
                        u"WHERE r.route = cortado_offsets.route AND r.room = cortado_offsets.room), 0)"_s))
            qCWarning(lcStorage, "could not release the reserved offsets: %s", qUtf8Printable(query.lastError().text()));
        else // rooms joined but never written to: nothing to remember
            query.exec(u"DELETE FROM cortado_offsets WHERE reserved_seq = 0"_s);
    }

    StorageConfig m_config;
    std::shared_ptr<Shared> m_shared;
    FileIdentity m_file; // SQLite: the file start-up opened
    bool m_noteLeft = false;
    bool m_fileProblem = false; // the last look at the file found it unusable
};

Storage::Storage(StorageConfig config)
    : m_config(std::move(config)), m_shared(std::make_shared<Shared>())
{
}

Storage::~Storage()
{
    stop(10'000);
}

qint64 Storage::stop(int timeoutMs)
{
    if (!m_writer)
        return m_unstored;
    if (!flush(timeoutMs)) {
        QMutexLocker lock(&m_shared->mutex);
        m_unstored = qint64(m_shared->queue.size()) + m_shared->inFlight;
        qCCritical(lcStorage, "shutting down with %lld writes not stored: %s", m_unstored,
                   qUtf8Printable(m_shared->lastError));
        m_writer->m_abandon = true;
    }
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->stopping = true;
        m_shared->wake.wakeAll();
        m_shared->reservedChanged.wakeAll();
    }
    m_writer->wait();
    m_writer.reset();
    return m_unstored;
}

bool Storage::open(QString *error)
{
    const QString name = u"cortado-startup"_s;
    QSqlDatabase db = openConnection(m_config.url, name, error, true);
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
            // Offsets reserved ahead of use: the next start continues above them (never reused).
            && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_offsets (route TEXT NOT NULL, room TEXT NOT NULL, "
                           u"reserved_seq BIGINT NOT NULL, PRIMARY KEY (route, room))"_s, error)
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
        const QString key = roomKey(route, room);
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
    // Offsets up to a reserved mark may have been handed out before a crash: continue above it.
    if (!exec(query, u"SELECT route, room, reserved_seq FROM cortado_offsets"_s, error))
        return false;
    while (query.next()) {
        RestoredRoom &room = roomFor(query.value(0).toString(), query.value(1).toString());
        room.latest = std::max(room.latest, query.value(2).toLongLong());
    }
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

    // Every restored room gets its first block now, so that its next message needs no wait.
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    QSqlQuery reserve(db);
    reserve.prepare(u"INSERT INTO cortado_offsets (route, room, reserved_seq) VALUES (?, ?, ?) "
                    u"ON CONFLICT (route, room) DO UPDATE SET reserved_seq = excluded.reserved_seq"_s);
    for (const RestoredRoom &room : std::as_const(m_startupHistory)) {
        reserve.addBindValue(room.route);
        reserve.addBindValue(room.room);
        reserve.addBindValue(room.latest + m_config.offsetBlock);
        if (!reserve.exec()) {
            *error = u"cannot reserve offsets: "_s + reserve.lastError().text();
            db.rollback();
            return false;
        }
        m_shared->reserved.insert(roomKey(room.route, room.room), room.latest + m_config.offsetBlock);
    }
    if (!db.commit()) {
        *error = u"cannot reserve offsets: "_s + db.lastError().text();
        return false;
    }

    const FileIdentity file = isSqlite(m_config.url) ? identityOf(sqlitePath(m_config.url)) : FileIdentity{};
    m_shared->connected = true;
    m_writer = std::make_unique<Writer>(m_config, m_shared, file);
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
    History *history = &hub.history();
    hub.setHistorySink([this, history](const QString &route, const QString &room, const HistoryEntry &entry) {
        const std::optional<HistoryPolicy> policy = history->policy(route, room);
        return appendHistory(route, room, entry, policy ? policy->maxMessages : 0);
    });
    // A join asks for the room's first block in the background, so that its first message usually
    // finds it committed instead of stalling the event loop for a commit (~1 ms on SQLite).
    const std::weak_ptr<Shared> weak = m_shared;
    const qint64 block = m_config.offsetBlock;
    QObject::connect(&hub, &Hub::joined, &hub, [weak, history, block](const Session &session, const QString &room) {
        const std::shared_ptr<Shared> shared = weak.lock();
        if (!shared || !history->policy(session.route(), room))
            return;
        const QString key = roomKey(session.route(), room);
        QMutexLocker lock(&shared->mutex);
        if (shared->stopping || shared->reserved.contains(key) || shared->reserveRequests.contains(key))
            return;
        shared->reserveRequests.insert(key, Reservation{session.route(), room,
                                                        history->latestOffset(session.route(), room) + block});
        shared->wake.wakeOne();
    });
}

// Under the mutex: whether a write of `bytes` fits the queue's count and byte limits.
static bool fits(const Storage::Shared *shared, const StorageConfig &config, qint64 bytes)
{
    return !shared->stopping && qsizetype(shared->queue.size()) + shared->inFlight < config.queueLimit
            && shared->queuedBytes + bytes <= config.queueBytes;
}

static void push(Storage::Shared *shared, WriteItem item, qint64 bytes)
{
    shared->queuedBytes += bytes;
    shared->queue.push_back(std::move(item));
    shared->wake.wakeOne();
}

bool Storage::appendHistory(const QString &route, const QString &room, const HistoryEntry &entry,
                            int keepMessages)
{
    WriteItem item{WriteItem::Kind::History, route, room, entry.offset, entry.createdAtMs, entry.frame, keepMessages};
    const qint64 bytes = item.bytes();
    const QString key = roomKey(route, room);
    const qint64 block = std::max<qint64>(m_config.offsetBlock, 2);
    QMutexLocker lock(&m_shared->mutex);
    if (!fits(m_shared.get(), m_config, bytes))
        return false;
    // Ask for the next block when half of this one is used (or none is committed yet).
    const auto request = m_shared->reserveRequests.find(key);
    if (request == m_shared->reserveRequests.end()) {
        if (m_shared->reserved.value(key) - entry.offset < block / 2) {
            m_shared->reserveRequests.insert(key, Reservation{route, room, entry.offset + block});
            m_shared->wake.wakeOne();
        }
    } else if (request->mark - entry.offset < block / 2) {
        request->mark = entry.offset + block;
        m_shared->wake.wakeOne();
    }
    if (m_shared->reserved.value(key) < entry.offset) {
        // Not covered: an offset handed out now could be handed out again after a crash. Wait a
        // moment for the writer (a new room's first block), but not while the database is away.
        if (!m_shared->connected)
            return false;
        const QDeadlineTimer deadline(m_config.reserveWaitMs);
        while (m_shared->reserved.value(key) < entry.offset) {
            if (!m_shared->reservedChanged.wait(&m_shared->mutex, deadline) || !m_shared->connected)
                break;
        }
        if (m_shared->reserved.value(key) < entry.offset || !fits(m_shared.get(), m_config, bytes))
            return false;
    }
    push(m_shared.get(), std::move(item), bytes);
    return true;
}

bool Storage::putDocument(const QString &collection, const QString &key, const QJsonObject &body)
{
    WriteItem item{WriteItem::Kind::Document, collection, key, 0, QDateTime::currentMSecsSinceEpoch(),
                   QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact)), 0};
    const qint64 bytes = item.bytes();
    QMutexLocker lock(&m_shared->mutex);
    if (!fits(m_shared.get(), m_config, bytes))
        return false;
    push(m_shared.get(), std::move(item), bytes);
    return true;
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
    status.backlogBytes = m_shared->queuedBytes;
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
