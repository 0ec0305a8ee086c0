// Connections to the database named by a StorageConfig URL, and the checks on a SQLite file that
// keep the writer from re-creating a deleted or replaced database behind the server's back.
// Internal to the storage library.
#pragma once

#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QString>

#include <sys/types.h>

Q_DECLARE_LOGGING_CATEGORY(lcStorage)

namespace cortado::storage {

// "sqlite:PATH" (else a postgres:// URL).
bool isSqlite(const QString &url);
QString sqlitePath(const QString &url);

// Opens a connection named `name` in the calling thread (QtSql connections are per thread).
// Only start-up may create a SQLite file (`create`): later a missing file means it was deleted.
QSqlDatabase openConnection(const QString &url, const QString &name, QString *error, bool create = false);
void closeConnection(const QString &name);
// Runs `sql`; false with `error` set when it fails.
bool exec(QSqlQuery &query, const QString &sql, QString *error);

// Which file a SQLite connection writes to: deleting or replacing the path does not stop SQLite
// (it keeps writing into the unlinked file), so the writer compares this before and after a batch.
struct FileIdentity
{
    dev_t device = 0;
    ino_t inode = 0;
    bool known = false;
};
FileIdentity identityOf(const QString &path);
// Why the file cannot take writes, or empty.
QString sqliteFileProblem(const QString &path, const FileIdentity &expected);
// When the whole data folder is gone, leave a note where it was (see database.cpp).
void leaveNoteForLostFolder(const QString &databasePath);

} // namespace cortado::storage
