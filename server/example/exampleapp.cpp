#include "exampleapp.h"

#include "projects.h"

#include <cortado/app.h>

void registerExampleRoutes(cortado::Router &router);

void setupExampleApp(cortado::Server &server, const cortado::auth::TokenConfig &tokens)
{
    cortado::App::installTokenAuth(server, tokens);
    server.router().services().provide(std::make_shared<ProjectStore>());
    cortado::App::installRoutes(server, registerExampleRoutes);
}
