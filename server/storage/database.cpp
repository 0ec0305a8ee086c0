#include "database.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcStorage, "cortado.storage", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado::storage {

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
QSqlDatabase openConnection(const QString &url, const QString &name, QString *error, bool create)
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

} // namespace cortado::storage
