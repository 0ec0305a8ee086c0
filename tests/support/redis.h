#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <optional>

// A private redis-server for one test: on 127.0.0.1 at a free port, no persistence, its working
// folder a temporary one. Tests stop, kill, pause and restart it (same port) to play a Redis that
// goes away or hangs. Needs Debian's redis-server (scripts/install-deps installs it); redis-cli,
// which comes with it (redis-tools), serves cli().
class RedisInstance
{
public:
    RedisInstance();
    ~RedisInstance();

    // redis-server is on PATH (or /usr/bin). Without it tests QSKIP, unless CORTADO_REQUIRE_REDIS=1
    // (.ci/run) makes that a failure: CORTADO_START_REDIS below.
    static bool available();
    static bool required(); // CORTADO_REQUIRE_REDIS=1

    bool start(QString *error); // on the same port as before after stop()/kill()
    bool stop(); // SIGTERM, waits for the exit
    bool kill(); // SIGKILL, waits for the exit
    bool pause(); // SIGSTOP: the TCP connections stay open, nothing answers
    bool resume(); // SIGCONT
    bool isRunning() const { return m_process.state() == QProcess::Running; }

    quint16 port() const { return m_port; }
    QString url() const; // redis://127.0.0.1:PORT
    // A command through redis-cli (-p PORT, raw output); std::nullopt when it fails or takes over 5 s.
    std::optional<QByteArray> cli(const QStringList &arguments) const;

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
};

// In a test function: start `instance` or skip (fail under CORTADO_REQUIRE_REDIS=1).
#define CORTADO_START_REDIS(instance)                                                              \
    do {                                                                                           \
        if (!RedisInstance::available()) {                                                         \
            if (RedisInstance::required())                                                         \
                QFAIL("redis-server not found and CORTADO_REQUIRE_REDIS=1");                       \
            QSKIP("redis-server not found (./scripts/install-deps installs it)");                   \
        }                                                                                          \
        QString redisError_;                                                                       \
        QVERIFY2((instance).start(&redisError_), qPrintable(redisError_));                          \
    } while (false)
