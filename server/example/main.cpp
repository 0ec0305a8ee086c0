// cortado-server: the example application. Composition only; everything else is in the libraries.
#include "exampleapp.h"
#include "transport/server.h"

#include <QJsonArray>
#include <QJsonObject>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <sys/resource.h>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

// SIGINT/SIGTERM → `handler` on the event loop (a signal handler may only write to a pipe).
void onTerminationSignals(QObject *context, std::function<void()> handler)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        qFatal("socketpair failed");
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context, [handler] {
        char byte;
        [[maybe_unused]] const auto read = ::read(signalPipe[0], &byte, 1);
        handler();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

// Each WebSocket is a file descriptor; the usual soft limit (1024) is far below what a node serves.
void raiseFileLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

[[noreturn]] void fail(const QString &message)
{
    std::fprintf(stderr, "cortado-server: %s\n", qPrintable(message));
    std::exit(2);
}

cortado::auth::TokenConfig tokenConfig()
{
    QString error, notice;
    std::optional<cortado::auth::TokenConfig> config =
            cortado::auth::TokenConfig::fromEnvironment(cortado::dataDirectory(), &error, &notice);
    if (!config)
        fail(error);
    if (!notice.isEmpty())
        std::fprintf(stderr, "cortado-server: %s\n", qPrintable(notice));
    return *config;
}

// `cortado-server token --user alice --role admin`: a signed token for development, printed alone
// on the last line of the output.
int printToken(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Prints a token signed with the configured key."_s);
    parser.addHelpOption();
    const QCommandLineOption userOption(u"user"_s, u"The user id (sub)."_s, u"id"_s);
    const QCommandLineOption nameOption(u"name"_s, u"Display name (default: the id)."_s, u"name"_s);
    const QCommandLineOption roleOption(u"role"_s, u"A role; repeat for several."_s, u"role"_s);
    const QCommandLineOption ttlOption(u"ttl"_s, u"Lifetime in seconds (default 86400)."_s, u"seconds"_s, u"86400"_s);
    parser.addOptions({userOption, nameOption, roleOption, ttlOption});
    parser.process(arguments);
    if (!parser.isSet(userOption))
        fail(u"token needs --user"_s);
    bool ttlOk = false;
    const qint64 ttl = parser.value(ttlOption).toLongLong(&ttlOk);
    if (!ttlOk || ttl <= 0)
        fail(u"--ttl must be a positive number of seconds"_s);

    const cortado::auth::TokenConfig config = tokenConfig();
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonObject claims{{u"sub"_s, parser.value(userOption)},
                       {u"name"_s, parser.isSet(nameOption) ? parser.value(nameOption) : parser.value(userOption)},
                       {u"roles"_s, QJsonArray::fromStringList(parser.values(roleOption))},
                       {u"iat"_s, now},
                       {u"exp"_s, now + ttl}};
    if (!config.issuer.isEmpty())
        claims.insert(u"iss"_s, config.issuer);
    if (!config.audience.isEmpty())
        claims.insert(u"aud"_s, config.audience);
    const QByteArray token = cortado::auth::issueToken(config, claims);
    if (token.isEmpty())
        fail(u"cannot sign: RS256 needs CORTADO_JWT_PRIVATE_KEY_FILE"_s);
    std::printf("%s\n", token.constData());
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    // Qt's own UNIX event dispatcher is 6-10x faster than GLib's at thousands of sockets
    // (docs/architecture.md). It must be chosen before the application object exists.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");

    raiseFileLimit();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cortado-server"_s);
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);
    if (app.arguments().value(1) == "token"_L1) {
        QStringList arguments = app.arguments();
        arguments.removeAt(1);
        return printToken(arguments);
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Cortado realtime server (example application).\n"
                                     u"`cortado-server token --help`: print a development token."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption hostOption(u"host"_s, u"Address to listen on (CORTADO_HOST; default 127.0.0.1)."_s, u"address"_s);
    const QCommandLineOption portOption(u"port"_s, u"Port to listen on, 0 for any (CORTADO_PORT; default 8080)."_s, u"port"_s);
    const QCommandLineOption messageOption(u"max-message-size"_s, u"Largest WebSocket message in bytes (CORTADO_MAX_MESSAGE_SIZE; default 65536)."_s, u"bytes"_s);
    const QCommandLineOption tlsCertOption(u"tls-cert"_s, u"Serve https/wss with this PEM certificate (CORTADO_TLS_CERT; needs --tls-key)."_s, u"file"_s);
    const QCommandLineOption tlsKeyOption(u"tls-key"_s, u"The certificate's PEM private key (CORTADO_TLS_KEY)."_s, u"file"_s);
    parser.addOptions({hostOption, portOption, messageOption, tlsCertOption, tlsKeyOption});
    parser.process(app);

    // Command-line options override the environment, which overrides the defaults.
    if (parser.isSet(hostOption))
        qputenv("CORTADO_HOST", parser.value(hostOption).toUtf8());
    if (parser.isSet(portOption))
        qputenv("CORTADO_PORT", parser.value(portOption).toUtf8());
    if (parser.isSet(messageOption))
        qputenv("CORTADO_MAX_MESSAGE_SIZE", parser.value(messageOption).toUtf8());
    if (parser.isSet(tlsCertOption))
        qputenv("CORTADO_TLS_CERT", parser.value(tlsCertOption).toUtf8());
    if (parser.isSet(tlsKeyOption))
        qputenv("CORTADO_TLS_KEY", parser.value(tlsKeyOption).toUtf8());
    QString error;
    cortado::ServerConfig config = cortado::ServerConfig::fromEnvironment(&error);
    if (!error.isEmpty())
        fail(error);
    config.storage = cortado::StorageConfig::fromEnvironment(cortado::dataDirectory());

    cortado::Server server(config);
    setupExampleApp(server, tokenConfig());
    if (!server.listen(&error))
        fail(error);

    onTerminationSignals(&server, [&server] { server.shutdown(); });
    QObject::connect(&server, &cortado::Server::stopped, &app, &QCoreApplication::quit);

    std::printf("listening on %s\n", qPrintable(server.httpUrl().toString()));
    std::fflush(stdout);
    const int code = app.exec();
    // Clients were told these writes were accepted: a supervisor must see that they are gone.
    if (cortado::Storage *storage = server.storage()) {
        if (const qint64 unstored = storage->stop(0); unstored > 0) {
            std::fprintf(stderr, "cortado-server: %lld accepted writes (messages, documents) could not be stored: %s\n",
                         unstored, qPrintable(storage->status().lastError));
            return 3;
        }
    }
    return code;
}
