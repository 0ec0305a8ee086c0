#include "postgres.h"

#include <QDir>
#include <QProcess>
#include <QTcpServer>

#include <pwd.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

PostgresInstance::PostgresInstance()
{
    // The newest installed server version.
    QStringList versions = QDir(u"/usr/lib/postgresql"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(), [](const QString &a, const QString &b) { return a.toInt() < b.toInt(); });
    if (!versions.isEmpty())
        m_binaries = u"/usr/lib/postgresql/%1/bin"_s.arg(versions.last());
    m_dir.setAutoRemove(true);
}

PostgresInstance::~PostgresInstance()
{
    stop();
}

bool PostgresInstance::run(const QString &program, const QStringList &arguments, QString *error) const
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    // PostgreSQL refuses to run as root: run it as the postgres user then.
    if (::geteuid() == 0)
        process.start(u"runuser"_s, QStringList{u"-u"_s, u"postgres"_s, u"--"_s, m_binaries + u'/' + program} + arguments);
    else
        process.start(m_binaries + u'/' + program, arguments);
    if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        if (error)
            *error = program + u": "_s + QString::fromLocal8Bit(process.readAll());
        return false;
    }
    return true;
}

bool PostgresInstance::start(QString *error)
{
    if (m_running)
        return true;
    if (m_binaries.isEmpty() || !QFile::exists(m_binaries + u"/initdb"_s)) {
        *error = u"PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)"_s;
        return false;
    }
    const QString data = m_dir.filePath(u"data"_s);
    if (!m_initialized) {
        if (::geteuid() == 0) {
            const passwd *postgres = ::getpwnam("postgres");
            if (!postgres || ::chown(qPrintable(m_dir.path()), postgres->pw_uid, postgres->pw_gid) != 0) {
                *error = u"cannot hand the test folder to the postgres user"_s;
                return false;
            }
        }
        if (!run(u"initdb"_s, {u"-D"_s, data, u"-A"_s, u"trust"_s, u"-U"_s, u"postgres"_s, u"--no-sync"_s}, error))
            return false;
        QTcpServer probe; // a free port
        probe.listen(QHostAddress::LocalHost, 0);
        m_port = probe.serverPort();
        m_initialized = true;
    }
    const QString options = u"-p %1 -k %2 -c listen_addresses=127.0.0.1 -c fsync=off"_s.arg(m_port).arg(m_dir.path());
    if (!run(u"pg_ctl"_s, {u"-D"_s, data, u"-o"_s, options, u"-l"_s, m_dir.filePath(u"log"_s), u"-w"_s, u"start"_s}, error))
        return false;
    m_running = true;
    return true;
}

bool PostgresInstance::stop(QString *error)
{
    if (!m_running)
        return true;
    m_running = false;
    return run(u"pg_ctl"_s, {u"-D"_s, m_dir.filePath(u"data"_s), u"-m"_s, u"fast"_s, u"-w"_s, u"stop"_s}, error);
}

QString PostgresInstance::url() const
{
    return u"postgres://postgres@127.0.0.1:%1/postgres"_s.arg(m_port);
}
