#pragma once

#include <QString>
#include <QTemporaryDir>

// A private PostgreSQL server for one test: initdb in a temporary folder, listening on 127.0.0.1 at
// a free port, stopped and deleted afterwards. Tests can stop and start it to play a database that
// goes away. Needs Debian's postgresql package (scripts/install-deps installs it).
class PostgresInstance
{
public:
    PostgresInstance();
    ~PostgresInstance();

    bool start(QString *error); // initdb on first use, then pg_ctl start
    bool stop(QString *error = nullptr);
    QString url() const; // postgres://postgres@127.0.0.1:PORT/postgres

private:
    bool run(const QString &program, const QStringList &arguments, QString *error) const;

    QTemporaryDir m_dir;
    QString m_binaries;
    quint16 m_port = 0;
    bool m_initialized = false;
    bool m_running = false;
};
