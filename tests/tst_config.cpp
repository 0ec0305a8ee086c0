// cortado::Config: defaults < environment < options, bad values named, one data folder, and the
// one table in docs/configuration.md.
#include "config/config.h"
#include "serverprocess.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <sys/resource.h>

using namespace Qt::StringLiterals;

class tst_Config : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void optionsWinOverEnvironmentOverDefaults();
    void emptyVariableCountsAsUnset();
    void badValueNamesTheOptionOrVariable_data();
    void badValueNamesTheOptionOrVariable();
    void secretsComeOnlyFromTheEnvironmentAndAreNotEchoed();
    void dataFolderReachesStorageAndAuth();
    void explicitDatabaseUrlWinsOverTheDataFolder();
    void runningServerTakesTheOptionOverTheVariable();
    void serverRaisesItsFileLimitAndSaysSo();
    void clusterModeComesWithRedis();
    void documentationListsEverySetting();
    void fileSitsBetweenDefaultsAndEnvironment();
    void badFileNamesFileLineAndKey_data();
    void badFileNamesFileLineAndKey();
    void secretInAWorldReadableFileIsRefused();
    void checkConfigPrintsTheEffectiveSettings();
    void checkConfigExitsTwoOnABadFile();
};

namespace {

std::optional<cortado::Config> parse(const QStringList &arguments, const QProcessEnvironment &environment,
                                     QString *error = nullptr)
{
    QString ignored;
    return cortado::Config::fromArguments(arguments, environment, error ? error : &ignored);
}

QProcessEnvironment environmentOf(std::initializer_list<std::pair<QString, QString>> variables)
{
    QProcessEnvironment environment;
    for (const auto &[name, value] : variables)
        environment.insert(name, value);
    return environment;
}

// A configuration file in `dir` with `text`, and `mode` as its permissions.
QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &text,
                  QFileDevice::Permissions mode = QFileDevice::ReadOwner | QFileDevice::WriteOwner)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(text);
    file.close();
    file.setPermissions(mode);
    return path;
}

} // namespace

void tst_Config::optionsWinOverEnvironmentOverDefaults()
{
    const std::optional<cortado::Config> defaults = parse({}, {});
    QVERIFY(defaults);
    QCOMPARE(defaults->server.port, quint16(8080));
    QCOMPARE(defaults->server.webSocket.maxMessageSize, cortado::WebSocketLimits{}.maxMessageSize);

    const QProcessEnvironment environment = environmentOf(
            {{u"CORTADO_PORT"_s, u"9001"_s}, {u"CORTADO_MAX_MESSAGE_SIZE"_s, u"5000"_s},
             {u"CORTADO_RATE_REST"_s, u"off"_s}});
    const std::optional<cortado::Config> fromEnvironment = parse({}, environment);
    QVERIFY(fromEnvironment);
    QCOMPARE(fromEnvironment->server.port, quint16(9001));
    QCOMPARE(fromEnvironment->server.webSocket.maxMessageSize, 5000);
    QVERIFY(!fromEnvironment->server.limits.restPerClient.isLimited());

    const std::optional<cortado::Config> fromOptions =
            parse({u"--port"_s, u"9002"_s, u"--max-message-size=300"_s, u"--rate-rest"_s, u"5/10"_s}, environment);
    QVERIFY(fromOptions);
    QCOMPARE(fromOptions->server.port, quint16(9002));
    QCOMPARE(fromOptions->server.webSocket.maxMessageSize, 300);
    QCOMPARE(fromOptions->server.limits.restPerClient.perSecond, 5.0);
    QCOMPARE(fromOptions->server.limits.restPerClient.burst, 10.0);
    QCOMPARE(fromOptions->server.limits.eventsPerSocket.perSecond, cortado::RateLimits{}.eventsPerSocket.perSecond);
}

void tst_Config::emptyVariableCountsAsUnset()
{
    const std::optional<cortado::Config> config =
            parse({}, environmentOf({{u"CORTADO_PORT"_s, QString()}, {u"CORTADO_DATA_DIR"_s, QString()}}));
    QVERIFY(config);
    QCOMPARE(config->server.port, quint16(8080));
    QCOMPARE(config->dataDirectory, u"cortado-data"_s);
}

void tst_Config::badValueNamesTheOptionOrVariable_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("named");

    QTest::newRow("port option") << QStringList{u"--port"_s, u"70000"_s} << QString() << QString() << u"--port"_s;
    QTest::newRow("port variable") << QStringList{} << u"CORTADO_PORT"_s << u"eighty"_s << u"CORTADO_PORT"_s;
    QTest::newRow("message size option") << QStringList{u"--max-message-size"_s, u"0"_s} << QString() << QString()
                                         << u"--max-message-size"_s;
    QTest::newRow("option beats a good variable")
            << QStringList{u"--max-message-size"_s, u"-1"_s} << u"CORTADO_MAX_MESSAGE_SIZE"_s << u"100"_s
            << u"--max-message-size"_s;
    QTest::newRow("host") << QStringList{u"--host"_s, u"example.com"_s} << QString() << QString() << u"--host"_s;
    QTest::newRow("rate") << QStringList{} << u"CORTADO_RATE_EVENTS"_s << u"fast"_s << u"CORTADO_RATE_EVENTS"_s;
    QTest::newRow("seconds") << QStringList{u"--ping-interval"_s, u"-5"_s} << QString() << QString()
                             << u"--ping-interval"_s;
    QTest::newRow("storage queue") << QStringList{} << u"CORTADO_STORAGE_QUEUE"_s << u"0"_s
                                   << u"CORTADO_STORAGE_QUEUE"_s;
    QTest::newRow("database url") << QStringList{u"--database-url"_s, u"mysql://x"_s} << QString() << QString()
                                  << u"--database-url"_s;
    QTest::newRow("database url, not echoed (a password)")
            << QStringList{} << u"CORTADO_DATABASE_URL"_s << u"mysql://user:hunter2@db/x"_s
            << u"CORTADO_DATABASE_URL must start with sqlite: or postgres://"_s;
    QTest::newRow("leeway") << QStringList{} << u"CORTADO_JWT_LEEWAY"_s << u"soon"_s << u"CORTADO_JWT_LEEWAY"_s;
    QTest::newRow("tls cert alone") << QStringList{u"--tls-cert"_s, u"cert.pem"_s} << QString() << QString()
                                    << u"--tls-key"_s;
    QTest::newRow("redis url") << QStringList{u"--redis"_s, u"http://h"_s} << QString() << QString()
                               << u"--redis must be redis://"_s;
    QTest::newRow("redis over tls, password not echoed")
            << QStringList{} << u"CORTADO_REDIS_URL"_s << u"rediss://:hunter2@h:6380"_s
            << u"CORTADO_REDIS_URL TLS to Redis needs hiredis >= 1.0"_s;
    QTest::newRow("redis bad db, password not echoed")
            << QStringList{u"--redis"_s, u"redis://:hunter2@h/x"_s} << QString() << QString() << u"--redis"_s;
    QTest::newRow("node id characters") << QStringList{u"--redis"_s, u"redis://h"_s, u"--node-id"_s, u"a.b"_s}
                                        << QString() << QString() << u"--node-id"_s;
    QTest::newRow("node id length") << QStringList{u"--redis"_s, u"redis://h"_s} << u"CORTADO_NODE_ID"_s
                                    << QString(33, u'n') << u"CORTADO_NODE_ID"_s;
    QTest::newRow("cluster timeout") << QStringList{u"--redis"_s, u"redis://h"_s, u"--cluster-timeout-ms"_s, u"0"_s}
                                     << QString() << QString() << u"--cluster-timeout-ms"_s;
    QTest::newRow("node id without redis") << QStringList{u"--node-id"_s, u"a"_s} << QString() << QString()
                                           << u"need --redis"_s;
    QTest::newRow("redis url option is --redis") << QStringList{u"--redis-url"_s, u"redis://h"_s} << QString()
                                                 << QString() << u"redis-url"_s;
    QTest::newRow("unknown option") << QStringList{u"--prot"_s, u"1"_s} << QString() << QString() << u"prot"_s;
    QTest::newRow("stray argument") << QStringList{u"8080"_s} << QString() << QString() << u"8080"_s;
}

void tst_Config::badValueNamesTheOptionOrVariable()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, variable);
    QFETCH(QString, value);
    QFETCH(QString, named);
    QProcessEnvironment environment;
    if (!variable.isEmpty())
        environment.insert(variable, value);
    QString error;
    QVERIFY(!parse(arguments, environment, &error));
    QVERIFY2(error.contains(named), qPrintable(error));
    QVERIFY2(!error.contains("hunter2"_L1), qPrintable(error));
}

void tst_Config::secretsComeOnlyFromTheEnvironmentAndAreNotEchoed()
{
    QString error;
    QVERIFY(!parse({u"--jwt-secret"_s, QString(40, u'x')}, {}, &error)); // a command line is public
    QVERIFY(!parse({}, environmentOf({{u"CORTADO_JWT_SECRET"_s, u"short-secret"_s}}), &error));
    QVERIFY2(error.contains("CORTADO_JWT_SECRET"_L1) && !error.contains("short-secret"_L1), qPrintable(error));

    const QString secret(40, u's');
    const std::optional<cortado::Config> config =
            parse({}, environmentOf({{u"CORTADO_JWT_SECRET"_s, secret}, {u"CORTADO_API_KEY"_s, secret}}));
    QVERIFY(config);
    const std::optional<cortado::auth::TokenConfig> tokens = config->tokenConfig(&error, &error);
    QVERIFY2(tokens, qPrintable(error));
    QCOMPARE(tokens->verificationKey, secret.toUtf8());
    QCOMPARE(tokens->apiKey, secret.toUtf8());
}

void tst_Config::dataFolderReachesStorageAndAuth()
{
    QTemporaryDir root;
    const QString fromEnvironment = root.filePath(u"env-data"_s), fromOption = root.filePath(u"option-data"_s);
    const std::optional<cortado::Config> config =
            parse({u"--data-dir"_s, fromOption}, environmentOf({{u"CORTADO_DATA_DIR"_s, fromEnvironment}}));
    QVERIFY(config);
    QCOMPARE(config->dataDirectory, fromOption);
    QVERIFY(config->server.storage);
    QCOMPARE(config->server.storage->url, u"sqlite:"_s + QDir(fromOption).filePath(u"cortado.db"_s));

    QString error, notice;
    const std::optional<cortado::auth::TokenConfig> tokens = config->tokenConfig(&error, &notice);
    QVERIFY2(tokens, qPrintable(error));
    QVERIFY(QFile::exists(QDir(fromOption).filePath(u"jwt-secret"_s))); // the development secret
    QVERIFY(notice.contains(fromOption));
    QVERIFY(!QFile::exists(fromEnvironment));
}

void tst_Config::explicitDatabaseUrlWinsOverTheDataFolder()
{
    const QString url = u"postgres://cortado@127.0.0.1:5432/cortado"_s;
    for (const QStringList &arguments : {QStringList{u"--database-url"_s, url, u"--data-dir"_s, u"elsewhere"_s},
                                         QStringList{u"--data-dir"_s, u"elsewhere"_s, u"--database-url"_s, url}}) {
        const std::optional<cortado::Config> config = parse(arguments, {});
        QVERIFY(config);
        QCOMPARE(config->server.storage->url, url);
        QCOMPARE(config->dataDirectory, u"elsewhere"_s);
    }
}

// The real binary: the option, not the variable, decides how large a message may be (1009 above).
void tst_Config::runningServerTakesTheOptionOverTheVariable()
{
    QTemporaryDir data;
    QProcessEnvironment environment = ServerProcess::environment(data.path());
    environment.insert(u"CORTADO_PORT"_s, u"1"_s); // privileged: listening there would fail
    environment.insert(u"CORTADO_MAX_MESSAGE_SIZE"_s, u"100000"_s);
    ServerProcess server;
    QVERIFY(server.start({u"--port"_s, u"0"_s, u"--max-message-size"_s, u"200"_s}, environment));
    QVERIFY(server.url.port() > 1);

    QWebSocket socket;
    QSignalSpy connected(&socket, &QWebSocket::connected);
    QSignalSpy disconnected(&socket, &QWebSocket::disconnected);
    socket.open(server.ws(u"/chat"_s));
    QVERIFY(connected.wait(5000));
    socket.sendTextMessage(u"{\"event\":\"chat:send\",\"room\":\"lobby\",\"payload\":{\"text\":\"%1\"}}"_s.arg(
            QString(300, u'a')));
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(socket.closeCode(), QWebSocketProtocol::CloseCodeTooMuchData);
}

// Each connection is a file: the server lifts its soft limit to the hard one and logs what that allows.
void tst_Config::serverRaisesItsFileLimitAndSaysSo()
{
    rlimit limit{};
    QCOMPARE(getrlimit(RLIMIT_NOFILE, &limit), 0);
    if (limit.rlim_max == RLIM_INFINITY)
        QSKIP("no hard limit on open files here");
    QTemporaryDir data;
    ServerProcess server;
    QVERIFY(server.start({u"--port"_s, u"0"_s}, ServerProcess::environment(data.path())));
    const QString expected = u"open-file limit %1: room for about %2 connections"_s.arg(
            quint64(limit.rlim_max)).arg(quint64(limit.rlim_max) - 64);
    QString log;
    QVERIFY2(QTest::qWaitFor([&] {
                 log += QString::fromUtf8(server.process.readAllStandardError());
                 return log.contains(expected);
             }, 5000),
             qPrintable(u"expected \"%1\" in the log:\n%2"_s.arg(expected, log)));
}

void tst_Config::clusterModeComesWithRedis()
{
    // No --redis: a single node, nothing of the cluster configured.
    const std::optional<cortado::Config> single = parse({}, {});
    QVERIFY(single);
    QVERIFY(!single->server.cluster);

    // The variable, and the option winning over it; a random node id, the default timeout.
    const QProcessEnvironment environment = environmentOf({{u"CORTADO_REDIS_URL"_s, u"redis://:pw@10.0.0.1:6390/2"_s},
                                                           {u"CORTADO_DATABASE_URL"_s, u"postgres://db/cortado"_s}});
    std::optional<cortado::Config> config = parse({}, environment);
    QVERIFY(config && config->server.cluster);
    QVERIFY(config->server.storage->externalSequence); // Redis numbers history messages
    QCOMPARE(config->server.cluster->redisUrl, u"redis://:pw@10.0.0.1:6390/2"_s);
    QCOMPARE(config->server.cluster->timeoutMs, 500);
    static const QRegularExpression id(u"^[A-Za-z0-9_-]{1,32}$"_s);
    QVERIFY2(id.match(config->server.cluster->nodeId).hasMatch(), qPrintable(config->server.cluster->nodeId));
    const std::optional<cortado::Config> again = parse({}, environment);
    QVERIFY(again->server.cluster->nodeId != config->server.cluster->nodeId); // random per start

    config = parse({u"--redis"_s, u"redis://127.0.0.1"_s, u"--node-id"_s, u"node_B-2"_s,
                    u"--cluster-timeout-ms=250"_s},
                   environment);
    QVERIFY(config && config->server.cluster);
    QCOMPARE(config->server.cluster->redisUrl, u"redis://127.0.0.1"_s);
    QCOMPARE(config->server.cluster->nodeId, u"node_B-2"_s);
    QCOMPARE(config->server.cluster->timeoutMs, 250);

    // The default SQLite file would hold only this node's part of the history: refused, clearly.
    QString error;
    QVERIFY(!cortado::Config::fromArguments({u"--redis"_s, u"redis://127.0.0.1"_s}, environmentOf({}), &error));
    QVERIFY2(error.contains(u"--database-url postgres://"_s), qPrintable(error));
}

// docs/configuration.md is the one place users read: every setting is a row there, with the
// option, variable and default the code has.
void tst_Config::documentationListsEverySetting()
{
    QFile file(QStringLiteral(CORTADO_SOURCE_DIR "/docs/configuration.md"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QHash<QString, QStringList> rows; // variable → cells
    for (const QString &line : QString::fromUtf8(file.readAll()).split(u'\n')) {
        if (!line.startsWith(u'|'))
            continue;
        QStringList cells = line.split(u'|');
        cells = cells.mid(1, cells.size() - 2);
        for (QString &cell : cells)
            cell = cell.trimmed().remove(u'`');
        if (cells.size() >= 4 && cells.at(1).startsWith("CORTADO_"_L1))
            rows.insert(cells.at(1), cells);
    }
    QStringList missing;
    for (const cortado::Config::Setting &setting : cortado::Config::settings()) {
        const QString option = setting.option.isEmpty() ? u"(environment only)"_s
                                                        : u"--%1 %2"_s.arg(setting.option, setting.valueName);
        const QString defaultValue = setting.defaultValue.isEmpty() ? u"none"_s : setting.defaultValue;
        const QString optionCell = setting.option.isEmpty() ? option : u"`%1`"_s.arg(option);
        const QString expected = u"| %1 | `%2` | `%3` | %4 |"_s.arg(optionCell, setting.variable, defaultValue,
                                                                       setting.meaning);
        const QStringList row = rows.take(setting.variable);
        if (row.size() < 4 || row.at(0) != option || row.at(2) != defaultValue) {
            qWarning("expected in docs/configuration.md: %s", qPrintable(expected));
            missing.append(setting.variable);
        }
    }
    QVERIFY2(missing.isEmpty(), qPrintable(u"docs/configuration.md lacks or differs on "_s + missing.join(u", "_s)));
    QVERIFY2(rows.isEmpty(), qPrintable(u"documented but unknown: "_s + rows.keys().join(u", "_s)));
}

// option > environment > file > default, the file named by --config or CORTADO_CONFIG.
void tst_Config::fileSitsBetweenDefaultsAndEnvironment()
{
    QTemporaryDir dir;
    const QString path = writeFile(dir, u"cortado.conf"_s,
                                   "# a comment\n; another\n\nport = 9000\nmax-body-size = 2048\n"
                                   "max-message-size=1000\nallowed-origins = \"https://a.example,https://b.example\"\n");
    const QProcessEnvironment environment = environmentOf({{u"CORTADO_CONFIG"_s, path},
                                                           {u"CORTADO_MAX_BODY_SIZE"_s, u"4096"_s}});
    QString error;
    std::optional<cortado::Config> config = parse({u"--max-message-size"_s, u"500"_s}, environment, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->server.port, quint16(9000)); // file over default
    QCOMPARE(config->server.http.maxBodyBytes, 4096); // environment over file
    QCOMPARE(config->server.webSocket.maxMessageSize, 500); // option over file
    QCOMPARE(config->server.allowedOrigins, (QStringList{u"https://a.example"_s, u"https://b.example"_s}));
    QCOMPARE(config->origins.value(u"CORTADO_PORT"_s), u"file %1:4"_s.arg(path));
    QCOMPARE(config->origins.value(u"CORTADO_MAX_BODY_SIZE"_s), u"environment"_s);
    QCOMPARE(config->origins.value(u"CORTADO_MAX_MESSAGE_SIZE"_s), u"option"_s);
    QVERIFY(!config->origins.contains(u"CORTADO_THREADS"_s)); // the default

    // --config wins over CORTADO_CONFIG.
    const QString other = writeFile(dir, u"other.conf"_s, "port = 9100\n");
    config = parse({u"--config"_s, other}, environment, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->server.port, quint16(9100));
    QCOMPARE(config->server.webSocket.maxMessageSize, cortado::WebSocketLimits{}.maxMessageSize);
}

void tst_Config::badFileNamesFileLineAndKey_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("expected"); // after "<file>:"
    QTest::newRow("unknown key") << "port = 9000\nprot = 9001\n"_ba << u"2: unknown key \"prot\""_s;
    QTest::newRow("variable as key") << "CORTADO_PORT = 9000\n"_ba << u"1: unknown key \"CORTADO_PORT\""_s;
    QTest::newRow("bad value") << "\n\nport = 70000\n"_ba
                               << u"3: port must be a whole number from 0 to 65535, not \"70000\""_s;
    QTest::newRow("no equals sign") << "port 9000\n"_ba << u"1: expected \"key = value\""_s;
    QTest::newRow("section") << "[General]\nport = 9000\n"_ba << u"1: expected \"key = value\" (no [sections])"_s;
    QTest::newRow("twice") << "port = 1\nport = 2\n"_ba << u"2: port is set twice (first on line 1)"_s;
    QTest::newRow("short secret, not echoed") << "jwt-secret = short\n"_ba << u"1: jwt-secret must be at least 32 bytes"_s;
}

void tst_Config::badFileNamesFileLineAndKey()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = writeFile(dir, u"bad.conf"_s, text);
    QString error;
    QVERIFY(!parse({u"--config"_s, path}, {}, &error));
    QVERIFY2(error.startsWith(path + u':' + expected), qPrintable(error));
    QVERIFY2(!error.contains(u"short"_s.prepend(u'"')), qPrintable(error)); // secrets never quoted

    QVERIFY(!parse({u"--config"_s, dir.filePath(u"missing.conf"_s)}, {}, &error));
    QVERIFY2(error.startsWith(u"cannot read the configuration file %1"_s.arg(dir.filePath(u"missing.conf"_s))),
             qPrintable(error));
}

// A secret may live in the file, but not in one every user can read.
void tst_Config::secretInAWorldReadableFileIsRefused()
{
    QTemporaryDir dir;
    const QByteArray secret(40, 'k');
    const QByteArray text = "port = 9000\njwt-secret = " + secret + "\n";
    const QString open = writeFile(dir, u"open.conf"_s, text,
                                   QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                                           | QFileDevice::ReadOther);
    QString error;
    QVERIFY(!parse({u"--config"_s, open}, {}, &error));
    QVERIFY2(error.contains(u"holds jwt-secret but every user of the machine can read it"_s), qPrintable(error));
    QVERIFY(!error.contains(QString::fromLatin1(secret)));

    const QString closed = writeFile(dir, u"closed.conf"_s, text,
                                     QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup);
    const std::optional<cortado::Config> config = parse({u"--config"_s, closed}, {}, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->tokens.secret, secret);
    // The environment still wins over the file.
    const QByteArray other(48, 'e');
    QCOMPARE(parse({u"--config"_s, closed}, environmentOf({{u"CORTADO_JWT_SECRET"_s, QString::fromLatin1(other)}}))
                     ->tokens.secret,
             other);
}

// The real binary: `--check-config` prints every setting with where it came from and exits 0.
void tst_Config::checkConfigPrintsTheEffectiveSettings()
{
    QTemporaryDir dir;
    const QByteArray secret(40, 's');
    const QString path = writeFile(dir, u"cortado.conf"_s,
                                   "port = 9000\nmax-body-size = 2048\njwt-secret = " + secret
                                           + "\nredis = redis://:hunter2@10.0.0.1:6390\n"
                                             "database-url = postgres://app:pw@db/cortado\n");
    QProcessEnvironment environment = ServerProcess::environment(dir.path());
    environment.remove(u"CORTADO_JWT_SECRET"_s);
    environment.insert(u"CORTADO_CONFIG"_s, path);
    environment.insert(u"CORTADO_MAX_BODY_SIZE"_s, u"4096"_s);
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(ServerProcess::binary(), {u"--check-config"_s, u"--threads"_s, u"3"_s});
    QVERIFY(process.waitForFinished(10'000));
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(process.exitCode() == 0, qPrintable(err));
    const auto line = [&out](const QString &key) {
        for (const QString &candidate : out.split(u'\n')) {
            if (candidate.startsWith(key + u" = "_s))
                return candidate.simplified();
        }
        return QString();
    };
    QCOMPARE(line(u"port"_s), u"port = 9000 # file %1:1"_s.arg(path));
    QCOMPARE(line(u"max-body-size"_s), u"max-body-size = 4096 # environment"_s);
    QCOMPARE(line(u"threads"_s), u"threads = 3 # option"_s);
    QCOMPARE(line(u"max-message-size"_s), u"max-message-size = 65536 # default"_s);
    QCOMPARE(line(u"jwt-secret"_s), u"jwt-secret = ******** # file %1:3"_s.arg(path));
    QCOMPARE(line(u"redis"_s), u"redis = redis://:****@10.0.0.1:6390 # file %1:4"_s.arg(path));
    QCOMPARE(line(u"database-url"_s), u"database-url = postgres://app:****@db/cortado # file %1:5"_s.arg(path));
    for (const QString &leak : {QString::fromLatin1(secret), u"hunter2"_s, u":pw@"_s})
        QVERIFY2(!out.contains(leak) && !err.contains(leak), qPrintable(out));
    QVERIFY(!QFile::exists(dir.filePath(u"jwt-secret"_s))); // checking makes nothing
}

void tst_Config::checkConfigExitsTwoOnABadFile()
{
    QTemporaryDir dir;
    const QString path = writeFile(dir, u"cortado.conf"_s, "port = 9000\nmax-bodysize = 2048\n");
    QProcess process;
    process.setProcessEnvironment(ServerProcess::environment(dir.path()));
    process.start(ServerProcess::binary(), {u"--check-config"_s, u"--config"_s, path});
    QVERIFY(process.waitForFinished(10'000));
    QCOMPARE(process.exitCode(), 2);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(err.contains(u"%1:2: unknown key \"max-bodysize\""_s.arg(path)), qPrintable(err));
    QVERIFY(process.readAllStandardOutput().isEmpty());
}

QTEST_GUILESS_MAIN(tst_Config)
#include "tst_config.moc"
