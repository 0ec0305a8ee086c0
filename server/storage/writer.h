// The writer thread: drains the queue in batches, one transaction each; keeps a failed batch and
// retries with backoff; commits offset reservations. Internal to the storage library.
#pragma once

#include "database.h"
#include "historyblocks.h"
#include "sqlitebatch.h"
#include "writequeue.h"

#include <QThread>

#include <atomic>
#include <memory>
#include <vector>

namespace cortado {

class StorageWriter : public QThread
{
public:
    StorageWriter(StorageConfig config, std::shared_ptr<Storage::Shared> shared, storage::FileIdentity file)
        : m_config(std::move(config)), m_shared(std::move(shared)), m_file(file)
    {
        setObjectName(QStringLiteral("cortado-storage-writer"));
    }


    std::atomic<bool> m_abandon = false; // set when shutdown gave up waiting

protected:
    void run() override;

private:
    bool takeWork(std::vector<WriteItem> *batch, QList<Reservation> *reservations);
    void publish(const QList<Reservation> &reservations);
    bool fileUsable(QString *error);
    bool ensureConnected(const QString &name, QString *error);
    void disconnect(const QString &name);
    bool write(const QString &name, const std::vector<WriteItem> &batch, const QList<Reservation> &reservations,
               QString *error);
    bool writeQtSql(QSqlDatabase &db, const std::vector<WriteItem> &batch, const QList<Reservation> &reservations,
                    QString *error);
    static bool insertHistory(QSqlDatabase &db, const std::vector<storage::HistoryBlock> &blocks, QString *error);
    static bool laterDocumentInBatch(const std::vector<WriteItem> &batch, std::size_t index);
    void deleteOldHistory(const QString &name);
    void releaseReservations(const QString &name);

    StorageConfig m_config;
    std::shared_ptr<Storage::Shared> m_shared;
    storage::FileIdentity m_file; // SQLite: the file start-up opened
    bool m_noteLeft = false;
    bool m_fileProblem = false; // the last look at the file found it unusable
    std::unique_ptr<storage::SqliteBatch> m_sqlite; // SQLite: statements of the open connection
};

} // namespace cortado
