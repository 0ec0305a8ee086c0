#include "redis.h"

#include <QDeadlineTimer>
#include <QStandardPaths>
#include <QTcpServer>

#include <signal.h>

using namespace Qt::StringLiterals;

namespace {

QString binary(const QString &name)
{
    const QString found = QStandardPaths::findExecutable(name);
    if (!found.isEmpty())
        return found;
    const QString fallback = u"/usr/bin/"_s + name;
    return QFile::exists(fallback) ? fallback : QString();
}

} // namespace

RedisInstance::RedisInstance()
{
    m_dir.setAutoRemove(true);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

RedisInstance::~RedisInstance()
{
    if (isRunning())
        kill();
}

bool RedisInstance::available()
{
    return !binary(u"redis-server"_s).isEmpty();
}

bool RedisInstance::required()
{
    return qEnvironmentVariable("CORTADO_REQUIRE_REDIS") == "1"_L1;
}

bool RedisInstance::start(QString *error)
{
    if (isRunning())
        return true;
    if (m_port == 0) {
        QTcpServer probe; // a free port
        probe.listen(QHostAddress::LocalHost, 0);
        m_port = probe.serverPort();
    }
    m_process.start(binary(u"redis-server"_s),
                    {u"--port"_s, QString::number(m_port), u"--bind"_s, u"127.0.0.1"_s, u"--save"_s, u""_s,
                     u"--appendonly"_s, u"no"_s, u"--dir"_s, m_dir.path(), u"--daemonize"_s, u"no"_s});
    if (!m_process.waitForStarted(10000)) {
        *error = u"redis-server did not start: "_s + m_process.errorString();
        return false;
    }
    // Its log says when it accepts connections.
    QByteArray log;
    const QDeadlineTimer deadline(10000);
    while (!log.contains("Ready to accept connections")) {
        if (deadline.hasExpired() || !m_process.waitForReadyRead(int(deadline.remainingTime()))) {
            log += m_process.readAll();
            *error = u"redis-server not ready: "_s + QString::fromLocal8Bit(log);
            kill();
            return false;
        }
        log += m_process.readAll();
    }
    return true;
}

bool RedisInstance::stop()
{
    if (!isRunning())
        return true;
    resume(); // a stopped process would not act on SIGTERM
    m_process.terminate();
    return m_process.waitForFinished(10000);
}

bool RedisInstance::kill()
{
    if (!isRunning())
        return true;
    m_process.kill();
    return m_process.waitForFinished(10000);
}

bool RedisInstance::pause()
{
    return isRunning() && ::kill(pid_t(m_process.processId()), SIGSTOP) == 0;
}

bool RedisInstance::resume()
{
    return isRunning() && ::kill(pid_t(m_process.processId()), SIGCONT) == 0;
}

QString RedisInstance::url() const
{
    return u"redis://127.0.0.1:%1"_s.arg(m_port);
}

std::optional<QByteArray> RedisInstance::cli(const QStringList &arguments) const
{
    QProcess process;
    process.start(binary(u"redis-cli"_s), QStringList{u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(m_port)} + arguments);
    if (!process.waitForFinished(5000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        process.kill();
        process.waitForFinished();
        return std::nullopt;
    }
    return process.readAllStandardOutput().trimmed();
}
