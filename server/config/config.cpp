#include "config.h"

#include "cluster/redislink.h"

#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUrl>

#include <functional>
#include <limits>

using namespace Qt::StringLiterals;

namespace cortado {

namespace {

// One setting: its variable (the option is derived from it unless named), how its value reads and writes.
struct Spec
{
    const char *variable;
    const char *valueName;
    const char *meaning;
    std::function<QString(Config &)> current; // the value as text; on a default Config: the default
    // Applies `text`; empty on success, else what the value must be ("must be ...").
    std::function<QString(Config &, const QString &text)> apply;
    bool secret = false; // environment only, and never echoed in an error
    bool echo = true; // a bad value is quoted in the error (not a URL that may hold a password)
    const char *optionName = nullptr; // when the derived one is not it (CORTADO_REDIS_URL is --redis)

    QString variableName() const { return QString::fromLatin1(variable); }
    // CORTADO_MAX_BODY_SIZE → max-body-size
    QString option() const
    {
        if (secret)
            return {};
        return optionName ? QString::fromLatin1(optionName) : variableName().mid(8).toLower().replace(u'_', u'-');
    }
    // Its key in a configuration file: the option's name; a secret's is derived the same way
    // (CORTADO_JWT_SECRET → jwt-secret).
    QString fileKey() const
    {
        return secret ? variableName().mid(8).toLower().replace(u'_', u'-') : option();
    }
};

StorageConfig &storage(Config &config)
{
    if (!config.server.storage)
        config.server.storage = StorageConfig{};
    return *config.server.storage;
}

template<typename Number, typename Field>
Spec number(const char *variable, const char *valueName, const char *meaning, Number minimum, Field field)
{
    return {variable, valueName, meaning,
            [field](Config &config) { return QString::number(field(config)); },
            [field, minimum](Config &config, const QString &text) -> QString {
                bool ok = false;
                const qlonglong value = text.trimmed().toLongLong(&ok);
                if (!ok || value < qlonglong(minimum) || value > qlonglong(std::numeric_limits<Number>::max()))
                    return u"must be a whole number from %1 to %2"_s.arg(
                            QString::number(minimum), QString::number(std::numeric_limits<Number>::max()));
                field(config) = Number(value);
                return {};
            }};
}

// Seconds in the setting, milliseconds in the struct (tests need intervals shorter than a second).
template<typename Field>
Spec seconds(const char *variable, const char *meaning, int minimum, Field field)
{
    return {variable, "seconds", meaning,
            [field](Config &config) { return QString::number(field(config) / 1000); },
            [field, minimum](Config &config, const QString &text) -> QString {
                bool ok = false;
                const qlonglong value = text.trimmed().toLongLong(&ok);
                if (!ok || value < minimum || value > std::numeric_limits<int>::max() / 1000)
                    return u"must be a whole number of seconds from %1 to %2"_s.arg(
                            QString::number(minimum), QString::number(std::numeric_limits<int>::max() / 1000));
                field(config) = int(value * 1000);
                return {};
            }};
}

template<typename Field>
Spec rate(const char *variable, const char *meaning, Field field)
{
    return {variable, "rate/burst", meaning,
            [field](Config &config) {
                const RateLimit limit = field(config);
                return limit.isLimited() ? u"%1/%2"_s.arg(limit.perSecond).arg(limit.burst) : u"off"_s;
            },
            [field](Config &config, const QString &text) -> QString {
                const std::optional<RateLimit> limit = RateLimit::parse(text);
                if (!limit)
                    return u"must be RATE/BURST (events per second / largest burst), RATE, or off"_s;
                field(config) = *limit;
                return {};
            }};
}

template<typename Field>
Spec text(const char *variable, const char *valueName, const char *meaning, Field field)
{
    return {variable, valueName, meaning,
            [field](Config &config) { return field(config); },
            [field](Config &config, const QString &value) -> QString {
                field(config) = value;
                return {};
            }};
}

// At least 32 bytes: a shorter HS256 secret or API key can be brute-forced.
template<typename Field>
Spec secret(const char *variable, const char *meaning, Field field)
{
    Spec spec{variable, "bytes", meaning,
              [field](Config &config) { return QString::fromUtf8(field(config)); },
              [field](Config &config, const QString &value) -> QString {
                  if (value.toUtf8().size() < 32)
                      return u"must be at least 32 bytes"_s;
                  field(config) = value.toUtf8();
                  return {};
              }};
    spec.secret = true;
    spec.echo = false;
    return spec;
}

cluster::ClusterConfig &cluster(Config &config)
{
    if (!config.server.cluster)
        config.server.cluster = cluster::ClusterConfig{};
    return *config.server.cluster;
}

Spec tlsFile(const char *variable, const char *meaning, QString TlsConfig::*member)
{
    return {variable, "file", meaning,
            [member](Config &config) { return config.server.tls ? (*config.server.tls).*member : QString(); },
            [member](Config &config, const QString &value) -> QString {
                if (!config.server.tls)
                    config.server.tls = TlsConfig{};
                (*config.server.tls).*member = value;
                return {};
            }};
}

const QList<Spec> &specs()
{
    static const QList<Spec> list{
            // Network
            {"CORTADO_HOST", "address", "The IP address to listen on (or localhost).",
             [](Config &config) { return config.server.host.toString(); },
             [](Config &config, const QString &value) -> QString {
                 const QString host = value.trimmed();
                 const QHostAddress address = host == "localhost"_L1 ? QHostAddress(QHostAddress::LocalHost)
                                                                     : QHostAddress(host);
                 if (address.isNull())
                     return u"must be an IP address"_s;
                 config.server.host = address;
                 return {};
             }},
            number("CORTADO_PORT", "port", "The port to listen on; 0: any free port.", quint16(0),
                   [](Config &config) -> auto & { return config.server.port; }),
            number("CORTADO_THREADS", "count", "Event loops that own sockets, the hub's thread included; 0: one per core.", 0,
                   [](Config &config) -> auto & { return config.server.ioThreads; }),
            tlsFile("CORTADO_TLS_CERT", "With tls-key: serve https and wss on the port with this PEM certificate (chain).",
                    &TlsConfig::certificateFile),
            tlsFile("CORTADO_TLS_KEY", "The certificate's unencrypted PEM private key.", &TlsConfig::keyFile),
            {"CORTADO_ALLOWED_ORIGINS", "origins",
             "Comma-separated origins a browser's WebSocket upgrade must come from (403 otherwise); empty: any.",
             [](Config &config) { return config.server.allowedOrigins.join(u','); },
             [](Config &config, const QString &value) -> QString {
                 config.server.allowedOrigins.clear();
                 for (const QString &origin : value.split(u',', Qt::SkipEmptyParts))
                     config.server.allowedOrigins.append(origin.trimmed());
                 return {};
             }},
            // HTTP
            number("CORTADO_MAX_BODY_SIZE", "bytes", "Larger HTTP request bodies get 413.", qint64(0),
                   [](Config &config) -> auto & { return config.server.http.maxBodyBytes; }),
            number("CORTADO_MAX_HEADER_SIZE", "bytes", "Larger request heads get 431.", qsizetype(256),
                   [](Config &config) -> auto & { return config.server.http.maxHeaderBytes; }),
            number("CORTADO_HEAD_TIMEOUT_MS", "ms", "A request head (or TLS handshake) not complete in time: 408 / close.", 1,
                   [](Config &config) -> auto & { return config.server.http.headTimeoutMs; }),
            number("CORTADO_IDLE_TIMEOUT_MS", "ms", "A keep-alive connection silent this long (or a stalled body) is closed.", 1,
                   [](Config &config) -> auto & { return config.server.http.idleTimeoutMs; }),
            number("CORTADO_MAX_REQUESTS_PER_CONNECTION", "count", "Requests on one connection; the last gets Connection: close.", 1,
                   [](Config &config) -> auto & { return config.server.http.maxRequestsPerConnection; }),
            number("CORTADO_MAX_CONNECTIONS_PER_IP", "count", "Open TCP connections from one address; more get 429 and are closed.", 1,
                   [](Config &config) -> auto & { return config.server.http.maxConnectionsPerIp; }),
            number("CORTADO_LISTEN_BACKLOG", "count", "Connections the kernel queues before accept.", 1,
                   [](Config &config) -> auto & { return config.server.http.listenBacklog; }),
            // WebSocket
            number("CORTADO_MAX_MESSAGE_SIZE", "bytes", "Largest WebSocket message; larger close with 1009.", qint64(1),
                   [](Config &config) -> auto & { return config.server.webSocket.maxMessageSize; }),
            number("CORTADO_MAX_QUEUED_BYTES", "bytes", "Unwritten bytes per WebSocket; a socket further behind is closed with 4101.", qint64(4096),
                   [](Config &config) -> auto & { return config.server.webSocket.maxQueuedBytes; }),
            number("CORTADO_MAX_PINGS_PER_SECOND", "count", "Pings a client may send per second; more close with 1008.", 1,
                   [](Config &config) -> auto & { return config.server.webSocket.maxPingsPerSecond; }),
            number("CORTADO_MAX_FRAGMENTS", "count", "Frames in one fragmented message; more close with 1008.", 1,
                   [](Config &config) -> auto & { return config.server.webSocket.maxFragments; }),
            seconds("CORTADO_FRAGMENT_TIMEOUT", "First to last fragment of a message; longer closes with 1008.", 1,
                    [](Config &config) -> auto & { return config.server.webSocket.fragmentTimeoutMs; }),
            seconds("CORTADO_PING_INTERVAL", "Heartbeat: silent sockets are pinged; no answer by the next sweep closes with 4103. 0: off.", 0,
                    [](Config &config) -> auto & { return config.server.webSocket.pingIntervalMs; }),
            seconds("CORTADO_CLOSE_TIMEOUT", "After our close frame, how long to wait for the client's.", 1,
                    [](Config &config) -> auto & { return config.server.webSocket.closeTimeoutMs; }),
            // Rate limits and memory bounds
            rate("CORTADO_RATE_EVENTS", "Client events per socket.",
                 [](Config &config) -> auto & { return config.server.limits.eventsPerSocket; }),
            rate("CORTADO_RATE_EVENTS_PER_USER", "Client events per signed-in user, all their sockets together.",
                 [](Config &config) -> auto & { return config.server.limits.eventsPerUser; }),
            rate("CORTADO_RATE_GUEST_EVENTS_PER_ADDRESS", "Client events of all guest sockets from one address together.",
                 [](Config &config) -> auto & { return config.server.limits.guestEventsPerAddress; }),
            rate("CORTADO_RATE_REST", "REST requests per signed-in user, else per address (429 beyond).",
                 [](Config &config) -> auto & { return config.server.limits.restPerClient; }),
            rate("CORTADO_RATE_HANDSHAKES", "WebSocket handshakes per address (429 beyond).",
                 [](Config &config) -> auto & { return config.server.limits.handshakesPerAddress; }),
            number("CORTADO_RATE_REFUSALS_BEFORE_CLOSE", "count", "Rate-limit refusals within 10 s before the socket is closed with 4029; 0: never.", 0,
                   [](Config &config) -> auto & { return config.server.limits.refusalsBeforeClose; }),
            number("CORTADO_GUEST_HISTORY_ROOMS", "count", "Rooms with stored history that guests may open, server-wide.", 0,
                   [](Config &config) -> auto & { return config.server.limits.guestHistoryRooms; }),
            number("CORTADO_MAX_HISTORY_ROOMS", "count", "Rooms that may keep history in memory; one more is refused overloaded.", qsizetype(1),
                   [](Config &config) -> auto & { return config.server.maxHistoryRooms; }),
            // Data and storage
            text("CORTADO_DATA_DIR", "folder", "The data folder: the development JWT secret and the default SQLite database.",
                 [](Config &config) -> auto & { return config.dataDirectory; }),
            {"CORTADO_DATABASE_URL", "url",
             "sqlite:PATH or postgres://user:password@host:port/database.",
             [](Config &config) {
                 return config.server.storage && !config.server.storage->url.isEmpty() ? config.server.storage->url
                                                                                      : u"sqlite:<data-dir>/cortado.db"_s;
             },
             [](Config &config, const QString &value) -> QString {
                 if (!value.startsWith("sqlite:"_L1) && !value.startsWith("postgres://"_L1)
                     && !value.startsWith("postgresql://"_L1))
                     return u"must start with sqlite: or postgres://"_s;
                 storage(config).url = value;
                 return {};
             },
             false, false},
            number("CORTADO_STORAGE_QUEUE", "count", "Writes that may wait for the database; beyond, history messages are refused overloaded.", qsizetype(1),
                   [](Config &config) -> auto & { return storage(config).queueLimit; }),
            number("CORTADO_STORAGE_QUEUE_BYTES", "bytes", "Bytes of writes that may wait for the database.", qint64(1),
                   [](Config &config) -> auto & { return storage(config).queueBytes; }),
            // Cluster
            {"CORTADO_REDIS_URL", "url",
             "Cluster mode: the Redis all nodes share, redis://[[user]:password@]host[:port][/db]. Unset: one node, no Redis.",
             [](Config &config) { return config.server.cluster ? config.server.cluster->redisUrl : QString(); },
             [](Config &config, const QString &value) -> QString {
                 QString problem;
                 if (!cluster::RedisUrl::parse(value, &problem))
                     return problem;
                 cluster(config).redisUrl = value.trimmed();
                 return {};
             },
             false, false, "redis"},
            {"CORTADO_NODE_ID", "id", "This node's id in the cluster (logs, /health, the console): [A-Za-z0-9_-], 1 to 32.",
             [](Config &config) { return config.server.cluster && !config.server.cluster->nodeId.isEmpty() ? config.server.cluster->nodeId : u"random"_s; },
             [](Config &config, const QString &value) -> QString {
                 static const QRegularExpression valid(u"^[A-Za-z0-9_-]{1,32}$"_s);
                 if (!valid.match(value).hasMatch())
                     return u"must be 1 to 32 of A-Z a-z 0-9 _ -"_s;
                 cluster(config).nodeId = value;
                 return {};
             }},
            number("CORTADO_CLUSTER_TIMEOUT_MS", "ms", "How long a cluster-wide view waits for the other nodes before it answers partial.", 1,
                   [](Config &config) -> auto & { return cluster(config).timeoutMs; }),
            // Metrics
            {"CORTADO_METRICS_PORT", "port",
             "A port of its own for GET /metrics, without a token (0: any free port); off: none (the main port still serves /metrics to the admin and metrics roles).",
             [](Config &config) { return config.server.metricsPort ? QString::number(*config.server.metricsPort) : u"off"_s; },
             [](Config &config, const QString &value) -> QString {
                 const QString text = value.trimmed();
                 if (text == "off"_L1) {
                     config.server.metricsPort.reset();
                     return {};
                 }
                 bool ok = false;
                 const uint port = text.toUInt(&ok);
                 if (!ok || port > 65535)
                     return u"must be a port from 0 to 65535, or off"_s;
                 config.server.metricsPort = quint16(port);
                 return {};
             }},
            {"CORTADO_METRICS_HOST", "address",
             "The address the metrics port listens on; anyone who reaches it reads the metrics.",
             [](Config &config) { return config.server.metricsHost.toString(); },
             [](Config &config, const QString &value) -> QString {
                 const QString host = value.trimmed();
                 const QHostAddress address = host == "localhost"_L1 ? QHostAddress(QHostAddress::LocalHost)
                                                                     : QHostAddress(host);
                 if (address.isNull())
                     return u"must be an IP address"_s;
                 config.server.metricsHost = address;
                 return {};
             }},
            // Tokens
            secret("CORTADO_JWT_SECRET", "HS256 shared secret. Unset (and no RS256 key): a development secret in the data folder.",
                   [](Config &config) -> auto & { return config.tokens.secret; }),
            text("CORTADO_JWT_PUBLIC_KEY_FILE", "file", "RS256 public key (PEM); selects RS256.",
                 [](Config &config) -> auto & { return config.tokens.publicKeyFile; }),
            text("CORTADO_JWT_PRIVATE_KEY_FILE", "file", "RS256 private key (PEM), only to issue tokens (the token subcommand).",
                 [](Config &config) -> auto & { return config.tokens.privateKeyFile; }),
            text("CORTADO_JWT_ISSUER", "iss", "When set, tokens must carry this iss.",
                 [](Config &config) -> auto & { return config.tokens.issuer; }),
            text("CORTADO_JWT_AUDIENCE", "aud", "When set, tokens must carry this aud.",
                 [](Config &config) -> auto & { return config.tokens.audience; }),
            number("CORTADO_JWT_LEEWAY", "seconds", "Clock skew allowed on exp and nbf.", 0,
                    [](Config &config) -> auto & { return config.tokens.leewaySeconds; }),
            number("CORTADO_JWT_EXPIRY_WARNING", "seconds", "system:token_expiring goes out this long before exp.", 0,
                    [](Config &config) -> auto & { return config.tokens.expiryWarningSeconds; }),
            secret("CORTADO_API_KEY", "A server API key for REST publishing: Authorization: Bearer <key>. Unset: none.",
                   [](Config &config) -> auto & { return config.tokens.apiKey; }),
    };
    return list;
}

// A URL with its password replaced by ****, for output.
QString withoutPassword(const QString &text)
{
    QUrl url(text);
    if (!url.isValid() || url.password().isEmpty())
        return text;
    url.setPassword(u"****"_s);
    return url.toString();
}

// Applies a configuration file: `key = value` lines, `#` or `;` comments, blank lines. Empty on
// success, else the error, naming the file and line.
QString applyFile(Config &config, const QString &path, QHash<QString, QString> *origins)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return u"cannot read the configuration file %1: %2"_s.arg(path, file.errorString());
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
    QHash<QString, int> seen; // key → line
    QStringList secrets;
    for (qsizetype index = 0; index < lines.size(); ++index) {
        const int number = int(index) + 1;
        const QString line = lines.at(index).trimmed();
        if (line.isEmpty() || line.startsWith(u'#') || line.startsWith(u';'))
            continue;
        const QString where = u"%1:%2: "_s.arg(path).arg(number);
        const qsizetype equals = line.indexOf(u'=');
        if (line.startsWith(u'[') || equals <= 0)
            return where + u"expected \"key = value\" (no [sections]), not \"%1\""_s.arg(line.left(80));
        const QString key = line.left(equals).trimmed();
        QString value = line.mid(equals + 1).trimmed();
        if (value.size() >= 2 && value.startsWith(u'"') && value.endsWith(u'"'))
            value = value.mid(1, value.size() - 2);
        const auto spec = std::find_if(specs().cbegin(), specs().cend(),
                                       [&key](const Spec &candidate) { return candidate.fileKey() == key; });
        if (spec == specs().cend())
            return where + u"unknown key \"%1\" (the keys are the option names, e.g. max-body-size; "
                           u"docs/configuration.md)"_s.arg(key.left(80));
        if (const int first = seen.value(key); first > 0)
            return where + u"%1 is set twice (first on line %2)"_s.arg(key).arg(first);
        seen.insert(key, number);
        if (value.isEmpty()) // as for a variable: empty is unset
            continue;
        if (const QString problem = spec->apply(config, value); !problem.isEmpty())
            return where + (spec->secret || !spec->echo ? u"%1 %2"_s.arg(key, problem)
                                                        : u"%1 %2, not \"%3\""_s.arg(key, problem, value));
        origins->insert(spec->variableName(), u"file %1:%2"_s.arg(path).arg(number));
        if (spec->secret)
            secrets.append(key);
    }
    // A secret belongs in a file only its owner (and the service's group) can read.
    if (!secrets.isEmpty() && (QFileInfo(path).permissions() & QFileDevice::ReadOther))
        return u"%1 holds %2 but every user of the machine can read it: chmod 600 (or 640 for the "
               u"service's group), or set the secret in the environment"_s.arg(path, secrets.join(u", "_s));
    return {};
}

} // namespace

QString Config::effectiveSettings() const
{
    Config copy = *this;
    QString text = u"# effective settings: option > environment > file > default\n"_s;
    for (const Spec &spec : specs()) {
        QString value = spec.current(copy);
        if (spec.secret)
            value = value.isEmpty() ? QString() : u"********"_s;
        else if (!spec.echo)
            value = withoutPassword(value);
        const QString origin = origins.value(spec.variableName(), u"default"_s);
        text += u"%1 = %2"_s.arg(spec.fileKey(), value).leftJustified(40) + u" # "_s + origin + u'\n';
    }
    return text;
}

void Config::addOptions(QCommandLineParser &parser)
{
    parser.addOption(QCommandLineOption(u"config"_s,
                                        u"Read settings from this file: key = value lines, the keys being "
                                        u"the option names (docs/configuration.md) [CORTADO_CONFIG]"_s,
                                        u"file"_s));
    for (const Setting &setting : settings()) {
        if (setting.option.isEmpty())
            continue;
        const QString defaultText = setting.defaultValue.isEmpty() ? QString() : u", default "_s + setting.defaultValue;
        parser.addOption(QCommandLineOption(setting.option,
                                           u"%1 [%2%3]"_s.arg(setting.meaning, setting.variable, defaultText),
                                           setting.valueName));
    }
}

std::optional<Config> Config::fromParser(const QCommandLineParser &parser,
                                         const QProcessEnvironment &environment, QString *error)
{
    Config config;
    const auto fail = [&](const Spec &spec, const QString &name, const QString &value, const QString &problem) {
        *error = spec.secret || !spec.echo ? u"%1 %2"_s.arg(name, problem)
                             : u"%1 %2, not \"%3\""_s.arg(name, problem, value);
    };
    // The file first: the environment and options win over it.
    const QString file = parser.isSet(u"config"_s) ? parser.value(u"config"_s) : environment.value(u"CORTADO_CONFIG"_s);
    if (!file.isEmpty()) {
        if (const QString problem = applyFile(config, file, &config.origins); !problem.isEmpty()) {
            *error = problem;
            return std::nullopt;
        }
    }
    // An empty variable counts as unset (container tools pass VAR= for "nothing").
    for (const Spec &spec : specs()) {
        const QString value = environment.value(spec.variableName());
        if (value.isEmpty())
            continue;
        if (const QString problem = spec.apply(config, value); !problem.isEmpty()) {
            fail(spec, spec.variableName(), value, problem);
            return std::nullopt;
        }
        config.origins.insert(spec.variableName(), u"environment"_s);
    }
    for (const Spec &spec : specs()) {
        const QString option = spec.option();
        if (option.isEmpty() || !parser.isSet(option))
            continue;
        const QString value = parser.value(option);
        if (const QString problem = spec.apply(config, value); !problem.isEmpty()) {
            fail(spec, u"--"_s + option, value, problem);
            return std::nullopt;
        }
        config.origins.insert(spec.variableName(), u"option"_s);
    }

    if (config.server.tls && (config.server.tls->certificateFile.isEmpty() || config.server.tls->keyFile.isEmpty())) {
        *error = u"TLS needs both --tls-cert and --tls-key (CORTADO_TLS_CERT and CORTADO_TLS_KEY)"_s;
        return std::nullopt;
    }
    if (config.server.cluster && config.server.cluster->redisUrl.isEmpty()) {
        *error = u"--node-id and --cluster-timeout-ms need --redis (CORTADO_NODE_ID, CORTADO_CLUSTER_TIMEOUT_MS: CORTADO_REDIS_URL)"_s;
        return std::nullopt;
    }
    if (config.server.cluster && config.server.cluster->nodeId.isEmpty()) {
        // 8 random bytes, base64url: 11 characters within the id's alphabet.
        const quint64 random = QRandomGenerator::system()->generate64();
        config.server.cluster->nodeId = QString::fromLatin1(
                QByteArray(reinterpret_cast<const char *>(&random), sizeof random)
                        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    }
    if (config.dataDirectory.isEmpty())
        config.dataDirectory = Config().dataDirectory;
    // The data folder decides the default database only now: --data-dir may come after the URL.
    if (storage(config).url.isEmpty())
        storage(config).url = StorageConfig::defaultUrl(config.dataDirectory);
    if (config.server.cluster && storage(config).url.startsWith("sqlite:"_L1)) {
        // Each node stores the messages its own clients send: only a shared database holds them all.
        *error = u"a cluster (--redis) shares one database: set --database-url postgres://... "
                 u"(CORTADO_DATABASE_URL); a SQLite file would hold only one node's part of the history"_s;
        return std::nullopt;
    }
    if (config.server.cluster)
        storage(config).externalSequence = true; // Redis numbers the messages
    return config;
}

std::optional<Config> Config::fromArguments(const QStringList &arguments,
                                            const QProcessEnvironment &environment, QString *error)
{
    QCommandLineParser parser;
    addOptions(parser);
    if (!parser.parse(QStringList{u"cortado"_s} + arguments)) {
        *error = parser.errorText();
        return std::nullopt;
    }
    if (!parser.positionalArguments().isEmpty()) {
        *error = u"unexpected argument \"%1\""_s.arg(parser.positionalArguments().first());
        return std::nullopt;
    }
    return fromParser(parser, environment, error);
}

std::optional<auth::TokenConfig> Config::tokenConfig(QString *error, QString *notice) const
{
    return auth::TokenConfig::fromSettings(tokens, dataDirectory, error, notice);
}

QList<Config::Setting> Config::settings()
{
    QList<Setting> result;
    for (const Spec &spec : specs()) {
        Config defaults;
        result.append(Setting{spec.option(), spec.variableName(), QString::fromLatin1(spec.valueName),
                              spec.secret ? QString() : spec.current(defaults),
                              QString::fromLatin1(spec.meaning)});
    }
    return result;
}

} // namespace cortado
