// The reader pool: history reads after start-up run off the event loop, on their own connections.
#include "storage.h"

#include "database.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent>

#include <stdexcept>

using namespace Qt::StringLiterals;

namespace cortado {

using namespace storage;

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
                                            query.value(2).toString().toUtf8()});
            if (!ok)
                error = query.lastError().text();
        }
        closeConnection(name);
        if (!error.isEmpty())
            throw std::runtime_error(error.toStdString());
        return entries;
    });
}

} // namespace cortado
