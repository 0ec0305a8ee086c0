// cortado-server: the example application. Composition only; everything else is in the libraries.
#include "transport/server.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <sys/resource.h>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

void registerExampleRoutes(cortado::Router &router);

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

} // namespace

int main(int argc, char *argv[])
{
    // Qt's own UNIX event dispatcher is 6-10x faster than GLib's at thousands of sockets
    // (../shared/QT64-NOTES.md). It must be chosen before the application object exists.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");

    raiseFileLimit();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cortado-server"_s);
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Cortado realtime server (example application)"_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption hostOption(u"host"_s, u"Address to listen on (CORTADO_HOST; default 127.0.0.1)."_s, u"address"_s);
    const QCommandLineOption portOption(u"port"_s, u"Port to listen on, 0 for any (CORTADO_PORT; default 8080)."_s, u"port"_s);
    const QCommandLineOption messageOption(u"max-message-size"_s, u"Largest WebSocket message in bytes (CORTADO_MAX_MESSAGE_SIZE; default 65536)."_s, u"bytes"_s);
    parser.addOptions({hostOption, portOption, messageOption});
    parser.process(app);

    // Command-line options override the environment, which overrides the defaults.
    if (parser.isSet(hostOption))
        qputenv("CORTADO_HOST", parser.value(hostOption).toUtf8());
    if (parser.isSet(portOption))
        qputenv("CORTADO_PORT", parser.value(portOption).toUtf8());
    if (parser.isSet(messageOption))
        qputenv("CORTADO_MAX_MESSAGE_SIZE", parser.value(messageOption).toUtf8());
    QString error;
    const cortado::ServerConfig config = cortado::ServerConfig::fromEnvironment(&error);
    if (!error.isEmpty())
        fail(error);

    cortado::Server server(config);
    registerExampleRoutes(server.router());
    if (!server.listen(&error))
        fail(error);

    onTerminationSignals(&server, [&server] { server.shutdown(); });
    QObject::connect(&server, &cortado::Server::stopped, &app, &QCoreApplication::quit);

    std::printf("listening on %s\n", qPrintable(server.httpUrl().toString()));
    std::fflush(stdout);
    return app.exec();
}
