#pragma once

#include <QFile>
#include <QString>

#include <unistd.h>

// CPU time (user + system, seconds) a process has used so far, from /proc/PID/stat.
inline double processCpuSeconds(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readAll();
    // Fields after the ")" closing the command name; utime and stime are fields 14 and 15.
    const QList<QByteArray> fields = line.sliced(line.lastIndexOf(')') + 2).split(' ');
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / double(sysconf(_SC_CLK_TCK));
}
