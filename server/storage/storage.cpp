#include "storage.h"

#include "database.h"
#include "historyblocks.h"
#include "schema.h"
#include "writequeue.h"
#include "writer.h"

#include "core/hub.h"
#include "core/session.h"

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace cortado {

using namespace storage;

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
    if (!storage::createSchema(db, error)) {
        *error = u"cannot create or migrate the schema: "_s + *error;
        return false;
    }
    QSqlQuery query(db);

    // What start-up restores: recent history, every room's last offset, and the documents.
    QHash<QString, qsizetype> roomIndex;
    auto roomFor = [&](const QString &route, const QString &room) -> RestoredRoom & {
        const QString key = roomKey(route, room);
        auto it = roomIndex.constFind(key);
        if (it == roomIndex.cend()) {
            it = roomIndex.insert(key, m_startupHistory.size());
            m_startupHistory.append(RestoredRoom{route, room, {}, 0, 0});
        }
        return m_startupHistory[*it];
    };
    if (!exec(query, u"SELECT route, room, last_seq, pruned_seq FROM cortado_rooms"_s, error))
        return false;
    while (query.next()) {
        RestoredRoom &room = roomFor(query.value(0).toString(), query.value(1).toString());
        room.latest = query.value(2).toLongLong();
        room.pruned = query.value(3).toLongLong();
    }
    // Offsets up to a reserved mark may have been handed out before a crash: continue above it.
    // (Not in a cluster: Redis numbers the messages, and the marks are not used.)
    if (!m_config.externalSequence) {
        if (!exec(query, u"SELECT route, room, reserved_seq FROM cortado_offsets"_s, error))
            return false;
        while (query.next()) {
            RestoredRoom &room = roomFor(query.value(0).toString(), query.value(1).toString());
            room.latest = std::max(room.latest, query.value(2).toLongLong());
        }
    }
    // Blocks whose newest message is recent enough; each entry gets its block's time, and
    // History::restore() trims by the policy.
    query.prepare(u"SELECT route, room, first_seq, last_seq, created_at, frames FROM cortado_history_blocks "
                  u"WHERE created_at >= ? ORDER BY route, room, first_seq"_s);
    query.addBindValue(QDateTime::currentMSecsSinceEpoch() - qint64(m_config.historyMaxAgeSeconds) * 1000);
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    while (query.next()) {
        RestoredRoom &room = roomFor(query.value(0).toString(), query.value(1).toString());
        const qint64 first = query.value(2).toLongLong(), last = query.value(3).toLongLong();
        // Messages below the prune cut, left in a block that straddles it, are not history any more.
        if (!splitBlock(first, last, query.value(4).toLongLong(), query.value(5).toString().toUtf8(),
                        room.pruned, &room.entries)) {
            // Only what follows it can be replayed without a hole.
            qCWarning(lcStorage, "history of %s %s: a malformed block (offsets %lld..%lld) is skipped, and "
                      "what came before it is not restored", qUtf8Printable(room.route), qUtf8Printable(room.room),
                      first, last);
            room.entries.clear();
            room.pruned = last;
            continue;
        }
        if (!room.entries.isEmpty())
            room.latest = std::max(room.latest, room.entries.last().offset);
    }
    if (!exec(query, u"SELECT collection, doc_key, body FROM cortado_documents"_s, error))
        return false;
    while (query.next())
        m_startupDocuments[query.value(0).toString()].insert(
                query.value(1).toString(), QJsonDocument::fromJson(query.value(2).toString().toUtf8()).object());

    // Every restored room gets its first block now, so that its next message needs no wait.
    if (!m_config.externalSequence && !reserveRestoredOffsets(db, error))
        return false;

    const FileIdentity file = isSqlite(m_config.url) ? identityOf(sqlitePath(m_config.url)) : FileIdentity{};
    m_shared->connected = true;
    m_writer = std::make_unique<StorageWriter>(m_config, m_shared, file);
    m_writer->start();
    qCInfo(lcStorage, "storage: %s (%lld rooms with history restored)",
           qUtf8Printable(isSqlite(m_config.url) ? m_config.url : QUrl(m_config.url).adjusted(QUrl::RemovePassword).toString()),
           qint64(m_startupHistory.size()));
    return true;
}

bool Storage::reserveRestoredOffsets(QSqlDatabase &db, QString *error)
{
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
    return true;
}

void Storage::attach(Hub &hub)
{
    for (RestoredRoom &room : m_startupHistory)
        hub.history().restore(room.route, room.room, std::move(room.entries), room.latest);
    m_startupHistory.clear();
    History *history = &hub.history();
    hub.setHistorySink([this](const QString &route, const QString &room, const HistoryEntry &entry,
                              const HistoryPolicy &policy) {
        return appendHistory(route, room, entry, policy.maxMessages);
    });
    hub.setHistoryCapacity([this](qint64 bytes) { return canAccept(bytes); });
    if (m_config.externalSequence)
        return; // no offsets to reserve
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

static void push(Storage::Shared *shared, const StorageConfig &config, WriteItem item, qint64 bytes)
{
    shared->queuedBytes += bytes;
    shared->queue.push_back(std::move(item));
    if (shared->writerIdle || (shared->writerLingering && qsizetype(shared->queue.size()) >= config.batchSize))
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
    if (m_config.externalSequence) { // a cluster's Redis numbered it: nothing to reserve
        push(m_shared.get(), m_config, std::move(item), bytes);
        return true;
    }
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
    push(m_shared.get(), m_config, std::move(item), bytes);
    return true;
}

bool Storage::canAccept(qint64 bytes) const
{
    QMutexLocker lock(&m_shared->mutex);
    return fits(m_shared.get(), m_config, bytes);
}

bool Storage::putDocument(const QString &collection, const QString &key, const QJsonObject &body)
{
    WriteItem item{WriteItem::Kind::Document, collection, key, 0, QDateTime::currentMSecsSinceEpoch(),
                   QJsonDocument(body).toJson(QJsonDocument::Compact), 0};
    const qint64 bytes = item.bytes();
    QMutexLocker lock(&m_shared->mutex);
    if (!fits(m_shared.get(), m_config, bytes))
        return false;
    push(m_shared.get(), m_config, std::move(item), bytes);
    return true;
}

QHash<QString, QJsonObject> Storage::startupDocuments(const QString &collection) const
{
    return m_startupDocuments.value(collection);
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
    const qint64 oldest = m_shared->inFlight > 0 ? m_shared->inFlightOldestAt
            : m_shared->queue.empty()          ? 0
                                               : m_shared->queue.front().at;
    if (oldest > 0)
        status.commitLagMs = qMax<qint64>(0, QDateTime::currentMSecsSinceEpoch() - oldest);
    return status;
}

bool Storage::flush(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    QMutexLocker lock(&m_shared->mutex);
    ++m_shared->flushing; // no lingering for a fuller batch while someone waits
    m_shared->wake.wakeOne();
    const auto done = qScopeGuard([&] { --m_shared->flushing; });
    while (!m_shared->queue.empty() || m_shared->inFlight > 0) {
        if (!m_shared->drained.wait(&m_shared->mutex, deadline))
            return false;
    }
    return true;
}

} // namespace cortado
