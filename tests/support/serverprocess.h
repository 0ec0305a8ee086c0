#pragma once

#include <QProcess>
#include <QUrl>

// The real cortado-server binary in a child process: started, its "listening on http://HOST:PORT"
// line read, killed at the end if it is still running.
struct ServerProcess
{
    QProcess process;
    QUrl url;

    static QString binary();
    // This process's environment with the server's data (JWT secret, SQLite file) in `dataDir`.
    static QProcessEnvironment environment(const QString &dataDir);
    // `environment` with the rate limits and the per-address connection cap off: for load tests and
    // benchmarks that flood from one address on purpose.
    static QProcessEnvironment withoutRateLimits(QProcessEnvironment environment);
    // False when it did not print its listening line within 10 s.
    bool start(const QStringList &arguments,
               const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment());
    QUrl ws(const QString &path) const;
    // A memory figure of the running server from /proc/PID/status, in bytes ("VmRSS:" now,
    // "VmHWM:" the peak so far); -1 when unknown.
    qint64 memoryBytes(const char *field = "VmRSS:") const;
    // `cortado-server token --user USER --role ROLE...` in `environment`: the token, or empty.
    static QByteArray token(const QProcessEnvironment &environment, const QString &user,
                            const QStringList &roles = {});
    ~ServerProcess();
};
