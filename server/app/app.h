// cortado::App: what an application's main() needs, in a few lines.
//
//   int main(int argc, char *argv[])
//   {
//       cortado::App app(argc, argv);                         // options + environment → config()
//       app.services().provide(std::make_shared<MyStore>()); // optional: services, guards, ...
//       return app.run(cortado::registerAppRoutes);          // builtin routes + the app's, serve
//   }
//
// Or link Cortado::Main (the library cortado_main), whose main() is exactly the first and last line.
#pragma once

#include "config/config.h"
#include "transport/server.h"

#include <functional>
#include <memory>

class QCoreApplication;

namespace cortado {

class Router;
class Services;

// The app's routes: cortado_add_routes() generates this function from the app's routes/ folder.
void registerAppRoutes(Router &router);

using RouteRegistration = std::function<void(Router &router)>;

// What App puts on the server besides the app's own routes; all on by default.
struct AppOptions
{
    bool tokenAuth = true; // auth::install with the configured token keys (in the constructor)
    bool builtinRoutes = true; // /health, /api/rooms/..., /api/sockets/... (registerBuiltinRoutes)
    bool adminChannel = true; // /_admin for cortado-console (AdminFeed::install)
};

class App
{
public:
    // Creates the QCoreApplication (with Qt's own event dispatcher: QT_NO_GLIB=1 unless set),
    // raises the open-file limit, reads config() from the environment and argv
    // (docs/configuration.md), creates the server and installs token auth.
    // Exits the process: --help and --version (0); `<program> token --user ID [--role R]...`
    // prints a development token signed with the configured key (0); a bad option or value, or
    // unusable token keys, print "<program>: <message>" on stderr (2).
    App(int &argc, char **argv, AppOptions options = {});
    ~App();

    App(const App &) = delete;
    App &operator=(const App &) = delete;

    const Config &config() const { return m_config; }
    // Before run(): register routes and middleware, provide services, add room guards.
    Server &server() { return *m_server; }
    Router &router();
    Services &services();

    // Registers the builtin routes, `registerRoutes` and the admin channel (as AppOptions say),
    // opens storage and listens, prints "listening on <url>" on stdout, and serves until SIGINT or
    // SIGTERM, which shut down gracefully (Server::shutdown). Returns 0; 2 when it cannot start
    // (bad route table, database, TLS files, port; the message on stderr); 3 when writes the
    // clients were told were accepted could not be stored.
    int run(const RouteRegistration &registerRoutes = {});

    // The pieces, for code that composes a Server itself (tests): what the constructor installs,
    // and what run() registers before it listens.
    static void installTokenAuth(Server &server, const auth::TokenConfig &tokens);
    static void installRoutes(Server &server, const RouteRegistration &registerRoutes,
                              const AppOptions &options = {});

private:
    AppOptions m_options;
    std::unique_ptr<QCoreApplication> m_application;
    Config m_config;
    std::unique_ptr<Server> m_server;
    quint64 m_fileLimit = 0; // open files allowed after raising the soft limit to the hard one
};

} // namespace cortado
