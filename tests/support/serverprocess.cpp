#include "serverprocess.h"

#include <QFile>

#include <QRegularExpression>
#include <QTest>

#include <csignal>
#include <sys/prctl.h>

using namespace Qt::StringLiterals;

QString ServerProcess::binary()
{
    return QStringLiteral(CORTADO_SERVER_BINARY);
}

QProcessEnvironment ServerProcess::environment(const QString &dataDir)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"CORTADO_DATA_DIR"_s, dataDir);
    environment.remove(u"CORTADO_JWT_SECRET"_s);
    return environment;
}

bool ServerProcess::start(const QStringList &arguments, const QProcessEnvironment &environment)
{
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::SeparateChannels);
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); }); // dies with a crashed test
    process.start(binary(), arguments);
    if (!process.waitForStarted(5000))
        return false;
    QByteArray output;
    const bool ready = QTest::qWaitFor([&] {
        output += process.readAllStandardOutput();
        return output.contains('\n') || process.state() == QProcess::NotRunning;
    }, 10000);
    const QRegularExpressionMatch match =
            QRegularExpression(u"^listening on (https?://[^\\s]+)\\n"_s).match(QString::fromUtf8(output));
    if (!ready || !match.hasMatch())
        return false;
    url = QUrl(match.captured(1));
    return true;
}

QUrl ServerProcess::ws(const QString &path) const
{
    QUrl result = url;
    result.setScheme(u"ws"_s);
    result.setPath(path);
    return result;
}

QByteArray ServerProcess::token(const QProcessEnvironment &environment, const QString &user,
                                 const QStringList &roles)
{
    QStringList arguments{u"token"_s, u"--user"_s, user};
    for (const QString &role : roles)
        arguments << u"--role"_s << role;
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(binary(), arguments);
    if (!process.waitForFinished(10000) || process.exitCode() != 0)
        return {};
    return process.readAllStandardOutput().trimmed().split('\n').last();
}

ServerProcess::~ServerProcess()
{
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(5000);
    }
}

QProcessEnvironment ServerProcess::withoutRateLimits(QProcessEnvironment environment)
{
    for (const char *limit : {"CORTADO_RATE_EVENTS", "CORTADO_RATE_EVENTS_PER_USER",
                              "CORTADO_RATE_GUEST_EVENTS_PER_ADDRESS", "CORTADO_RATE_REST", "CORTADO_RATE_HANDSHAKES"})
        environment.insert(QString::fromLatin1(limit), QStringLiteral("off"));
    // Load generators open many connections from one address.
    environment.insert(QStringLiteral("CORTADO_MAX_CONNECTIONS_PER_IP"), QStringLiteral("1000000"));
    return environment;
}

qint64 ServerProcess::memoryBytes(const char *field) const
{
    QFile status(QStringLiteral("/proc/%1/status").arg(process.processId()));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(qsizetype(qstrlen(field))).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}
